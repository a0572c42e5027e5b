"""The ``chatsse`` command line (also ``python -m chatsse``).

Exit codes: 0 the answer completed; 1 the provider reported an error in the
stream, or the answer hit its token limit; 2 bad command line or
configuration; 3 the server answered with an HTTP error status; 4 the
connection failed, stalled past the idle timeout, or sent something that is
not an event stream; 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import threading
import urllib.parse
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from ._api import iter_events
from ._driver import ChatStream, StreamStats, stream_chat
from ._errors import (
    APIError,
    ChatSSEError,
    ContextWindowExceededError,
    HTTPStatusError,
    StreamError,
)
from ._events import Completed, ResponseEvent
from ._render import LiveRenderer, describe_event, visible
from ._serialize import json_text, to_dict
from .testing import _MAX_WAIT_SECONDS, ReplayServer

DEMO_TRANSCRIPT = "demo.sse"
DEFAULT_BASE_URL = "https://api.openai.com/v1"

EXIT_OK = 0
EXIT_STREAM_ERROR = 1  # APIError, ContextWindowExceededError
EXIT_USAGE = 2
EXIT_HTTP_STATUS = 3
EXIT_TRANSPORT = 4  # StreamError, IdleTimeoutError
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A bad command line or configuration (exit code 2)."""


def demo_transcript() -> bytes:
    """The bundled transcript: reasoning, text, one tool call, a usage chunk."""
    return resources.files("chatsse").joinpath("data").joinpath(DEMO_TRANSCRIPT).read_bytes()


def _use_color(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def _parser_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "choice": args.choice,
        "raise_on_length": not args.no_raise_on_length,
        "drop_tool_calls_on_stop": args.drop_tool_calls_on_stop,
        "tool_call_deltas": args.tool_call_deltas,
    }


def _print_events(
    events: Iterable[ResponseEvent],
    *,
    as_json: bool,
    live: bool,
    stats_of: ChatStream | None = None,
) -> None:
    """Print events: as JSON lines, as a live rendering, or one described event per line."""
    out = sys.stdout
    if as_json:
        reconfigure = getattr(out, "reconfigure", None)
        if reconfigure is not None:  # JSON is UTF-8, whatever the locale says (RFC 8259)
            # (errors: reconfiguring the encoding alone would reset them to
            # strict, and a lone UTF-16 half would end the output; written as
            # \ud83d, say, it is the JSON escape of that half.)
            reconfigure(encoding="utf-8", errors="backslashreplace")
        for event in events:
            out.write(json_text(to_dict(event), separators=(", ", ": ")) + "\n")
            out.flush()
        return
    if not live:
        for number, event in enumerate(events, 1):
            out.write(f"{number:4} {visible(describe_event(event), one_line=True)}\n")
        return
    renderer = LiveRenderer(out, color=_use_color(out))
    completed: Completed | None = None
    try:
        for event in events:
            renderer.event(event)
            if isinstance(event, Completed):
                completed = event
    finally:
        renderer.flush_held()  # (an error ended the stream: what came is shown)
    stats: StreamStats | None = stats_of.stats if stats_of is not None else None
    renderer.summary(completed, stats)


# -- commands ---------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    body = demo_transcript()
    pace = args.pace
    if pace * 10 > _MAX_WAIT_SECONDS:
        raise UsageError(
            f"--pace must be at most {_MAX_WAIT_SECONDS / 10:g} s: the first event comes after "
            "ten times it, at most a day"
        )
    if not args.json:
        print(
            "chatsse demo: a bundled Chat Completions stream (reasoning, text, a tool call, usage)"
        )
        print(
            "served by chatsse.testing.ReplayServer on 127.0.0.1 and read live by stream_chat().\n"
        )
    with ReplayServer(body, delay=pace, first_byte_delay=pace * 10) as server:
        request = {
            "model": "deepseek-reasoner",
            "messages": [{"role": "user", "content": "Umbrella in Paris this afternoon?"}],
        }
        # (the first event comes after ten times the pace: wait that, and more)
        with stream_chat(server.chat_url, request, idle_timeout=10.0 + pace * 10) as stream:
            _print_events(stream, as_json=args.json, live=True, stats_of=stream)
    if not args.json:
        print("\nThe whole answer is also one call away: chatsse.collect(stream) -> ChatResult.")
    return EXIT_OK


def _chat(args: argparse.Namespace) -> int:
    model = args.model or os.environ.get("OPENAI_MODEL")
    if not model:
        raise UsageError("no model: pass --model or set OPENAI_MODEL")
    base_url = args.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
    prompt = _stdin().read() if args.prompt == "-" else args.prompt
    messages = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": prompt})
    request: dict[str, Any] = {"model": model, "messages": messages, "stream": True}
    if args.max_tokens is not None:
        request["max_tokens"] = args.max_tokens
    if not args.no_usage:
        request["stream_options"] = {"include_usage": True}
    headers = {}
    key = os.environ.get("OPENAI_API_KEY", "").strip()  # (a key read from a file ends in CRLF)
    if key:
        if not (key.isascii() and key.isprintable()):
            raise UsageError("OPENAI_API_KEY holds characters an HTTP header cannot carry")
        headers["Authorization"] = f"Bearer {key}"  # never printed or logged
    with stream_chat(
        _endpoint(base_url),
        request,
        headers=headers,
        idle_timeout=args.idle_timeout,
        **_parser_options(args),
    ) as stream:
        _print_events(stream, as_json=args.json, live=True, stats_of=stream)
    return EXIT_OK


def _stdin() -> TextIO:
    if sys.stdin is None:  # (started with it closed)
        raise UsageError("no standard input to read (it is closed)")
    return sys.stdin


def _endpoint(base_url: str) -> str:
    """``<base URL>/chat/completions``: the path added before any query string
    (Azure's ``?api-version=...``), without a fragment."""
    parts = urllib.parse.urlsplit(base_url)
    path = parts.path.rstrip("/") + "/chat/completions"
    return urllib.parse.urlunsplit(parts._replace(path=path, fragment=""))


def _replay(args: argparse.Namespace) -> int:
    if args.file == "-":
        body = _stdin().buffer.read()
    else:
        try:
            body = Path(args.file).read_bytes()
        except OSError as error:
            raise UsageError(f"cannot read {args.file}: {error.strerror}") from error
    size = args.chunk_size
    chunks = [body] if not size else [body[i : i + size] for i in range(0, len(body), size)]
    _print_events(iter_events(chunks, **_parser_options(args)), as_json=args.json, live=False)
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    paths = [Path(name) for name in args.files]
    bodies = []
    for path in paths:
        if not path.is_file():
            raise UsageError(f"no such file: {path}")
        try:
            bodies.append(path.read_bytes())
        except OSError as error:
            raise UsageError(f"cannot read {path}: {error.strerror or error}") from error
    server = ReplayServer(
        *bodies,
        port=args.port,
        chunk_size=args.chunk_size,
        delay=args.delay,
        framing=args.framing,
        gzip=args.gzip,
    )
    try:
        server.start()
    except OSError as error:
        raise UsageError(f"cannot serve on port {args.port}: {error.strerror or error}") from error
    try:
        print(
            f"serving {len(paths)} transcript(s) at {server.base_url} "
            f"(POST {server.chat_url}); Ctrl-C to stop",
            flush=True,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", flush=True)
    finally:
        server.stop()
    return EXIT_OK


# -- argument parsing ---------------------------------------------------------------------


def _count(minimum: int) -> Any:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if math.isnan(value):
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    if value > threading.TIMEOUT_MAX:  # (infinity too: no socket waits longer)
        raise argparse.ArgumentTypeError(f"must be at most {threading.TIMEOUT_MAX:g}, got {text}")
    return value


def _port(text: str) -> int:
    value: int = _count(0)(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a port: {value}")
    return value


def _add_parser_options(command: argparse.ArgumentParser) -> None:
    group = command.add_argument_group("parser options")
    group.add_argument(
        "--choice",
        type=_count(0),
        default=0,
        metavar="N",
        help="follow choice N of an n>1 request (default 0)",
    )
    group.add_argument(
        "--no-raise-on-length",
        action="store_true",
        help="treat finish_reason 'length' as a normal end",
    )
    group.add_argument(
        "--drop-tool-calls-on-stop",
        action="store_true",
        help="drop tool calls still pending at 'stop' (the reference behaviour)",
    )
    group.add_argument(
        "--tool-call-deltas", action="store_true", help="also emit tool-call argument deltas"
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatsse",
        description="Typed events from OpenAI-compatible Chat Completions streams.",
        epilog="Exit codes: 0 ok, 1 error reported in the stream or token limit, 2 usage, "
        "3 HTTP error status, 4 connection failure or idle timeout, 130 interrupted.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="stream a bundled answer from a local server, live")
    demo.add_argument(
        "--pace",
        type=_seconds,
        default=0.03,
        metavar="SECONDS",
        help="delay between events (default 0.03; 0 for no delay)",
    )
    demo.add_argument("--json", action="store_true", help="print events as JSON lines")
    demo.set_defaults(run=_demo, command_parser=demo)

    chat = commands.add_parser("chat", help="ask a real OpenAI-compatible server")
    chat.add_argument("prompt", help="the user message; - reads it from stdin")
    chat.add_argument("--base-url", help="API base URL (default $OPENAI_BASE_URL, else OpenAI)")
    chat.add_argument("--model", help="model name (default $OPENAI_MODEL)")
    chat.add_argument("--system", help="a system message")
    chat.add_argument("--max-tokens", type=_count(1), help="max_tokens for the answer")
    chat.add_argument(
        "--idle-timeout",
        type=_seconds,
        default=300.0,
        metavar="SECONDS",
        help="give up after this long without a byte (default 300)",
    )
    chat.add_argument(
        "--no-usage",
        action="store_true",
        help="do not ask for usage (stream_options.include_usage)",
    )
    chat.add_argument("--json", action="store_true", help="print events as JSON lines")
    _add_parser_options(chat)
    chat.set_defaults(run=_chat, command_parser=chat)

    replay = commands.add_parser("replay", help="print the events of a captured SSE body")
    replay.add_argument("file", help="the body (as sent after the HTTP headers); - for stdin")
    replay.add_argument("--json", action="store_true", help="print events as JSON lines")
    replay.add_argument(
        "--chunk-size",
        type=_count(1),
        metavar="BYTES",
        help="feed the bytes in chunks of this size",
    )
    _add_parser_options(replay)
    replay.set_defaults(run=_replay, command_parser=replay)

    serve = commands.add_parser("serve", help="serve captured SSE bodies on 127.0.0.1")
    serve.add_argument(
        "files", nargs="+", metavar="FILE", help="bodies served in turn to successive requests"
    )
    serve.add_argument("--port", type=_port, default=0, help="port (default: any free one)")
    serve.add_argument(
        "--chunk-size",
        type=_count(1),
        metavar="BYTES",
        help="bytes per write (default: one SSE event per write)",
    )
    serve.add_argument(
        "--delay", type=_seconds, default=0.0, metavar="SECONDS", help="delay between writes"
    )
    serve.add_argument(
        "--framing",
        choices=("chunked", "close", "content-length"),
        default="chunked",
        help="how the body is delimited (default chunked)",
    )
    serve.add_argument("--gzip", action="store_true", help="gzip the body")
    serve.set_defaults(run=_serve, command_parser=serve)
    return parser


def _report(error: ChatSSEError) -> int:
    if isinstance(error, HTTPStatusError):
        # (what the server sent, in each message: shown, not obeyed)
        print(
            f"chatsse: HTTP {error.status_code}: {visible(error.message, one_line=True)}",
            file=sys.stderr,
        )
        if error.retry_after is not None:
            print(f"chatsse: retry after {error.retry_after:g} s", file=sys.stderr)
        return EXIT_HTTP_STATUS
    print(
        f"\nchatsse: {type(error).__name__}: {visible(str(error), one_line=True)}", file=sys.stderr
    )
    if isinstance(error, (APIError, ContextWindowExceededError)):
        return EXIT_STREAM_ERROR
    if isinstance(error, StreamError):
        return EXIT_TRANSPORT
    return EXIT_STREAM_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if sys.stdout is None:  # (started with it closed)
        if sys.stderr is not None:
            print("chatsse: no standard output to write to (it is closed)", file=sys.stderr)
        return EXIT_USAGE
    for stream in (sys.stdout, sys.stderr):
        # A peer can send "\ud800" in a JSON string: a lone surrogate that UTF-8
        # cannot encode. Printed as a backslash escape, it stays valid JSON.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        code = int(args.run(args))
        sys.stdout.flush()  # here, where a reader that left is caught (below)
        return code
    except (UsageError, ValueError) as error:  # ValueError: e.g. requests' InvalidURL
        args.command_parser.print_usage(sys.stderr)
        print(f"chatsse {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ChatSSEError as error:
        return _report(error)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `chatsse replay x.sse | head`: the reader left; not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:  # the output cannot be written (a full disk), say
        with contextlib.suppress(OSError, AttributeError):  # (stderr may be gone too)
            if sys.stderr is not None:
                print(f"chatsse: {type(error).__name__}: {error}", file=sys.stderr)
            # what is left unwritten goes nowhere at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_USAGE
