"""The ``chatsse`` command line (also ``python -m chatsse``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources

from ._api import collect, iter_events
from ._errors import ChatSSEError
from ._events import ResponseEvent
from ._render import describe_event, describe_usage

DEMO_TRANSCRIPT = "demo.sse"


def demo_transcript() -> bytes:
    """The bundled transcript: reasoning, text, one tool call, a usage chunk."""
    return resources.files("chatsse").joinpath("data").joinpath(DEMO_TRANSCRIPT).read_bytes()


def _demo(args: argparse.Namespace) -> int:
    body = demo_transcript()
    print(
        "chatsse demo: replaying a bundled Chat Completions stream "
        f"({len(body)} bytes, {body.count(b'data:')} SSE events) through iter_events().\n"
    )
    events: list[ResponseEvent] = []
    for number, event in enumerate(iter_events(body), 1):
        events.append(event)
        print(f"{number:3} {describe_event(event)}")
    result = collect(events)
    print("\nThe same stream through collect():")
    print(f"  reasoning:  {result.reasoning!r}")
    print(f"  text:       {result.text!r}")
    for call in result.tool_calls:
        print(f"  tool call:  {call.name}({call.arguments}) call_id={call.call_id}")
    print(f"  finish:     {result.finish_reason}")
    print(f"  usage:      {describe_usage(result.usage)}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatsse",
        description="Typed events from OpenAI-compatible Chat Completions streams.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="replay a bundled stream and show its events")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ChatSSEError as error:
        print(f"chatsse: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
