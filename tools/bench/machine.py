"""What the numbers were measured on: the machine, the interpreter, the packages."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path

PACKAGES = ("chatsse", "sseclient-py", "requests", "urllib3", "orjson", "openai")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def machine() -> dict[str, object]:
    return {
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "ram_bytes": _ram_bytes(),
        "os": platform.platform(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def describe(info: dict[str, object]) -> str:
    """One line: CPU, cores, RAM, OS, Python."""
    ram = info.get("ram_bytes")
    ram_text = f", {int(ram) / 2**30:.0f} GiB RAM" if isinstance(ram, int) else ""
    return (
        f"{info['cpu']}, {info['logical_cores']} logical cores{ram_text}, {info['os']}, "
        f"{info['implementation']} {info['python']}"
    )
