"""ask.py: ask an OpenAI-compatible server one question and print the answer as it arrives.

Usage: python ask.py QUESTION [--url URL] [--model MODEL] [--idle-timeout SECONDS]

The API key comes from OPENAI_API_KEY. Exit status: 0 answered, 1 the request
failed or the answer was cut short, 130 interrupted with Ctrl-C.
"""

import argparse
import contextlib
import os
import shlex
import sys

import chatsse
from chatsse import Completed, FunctionCall, Message, OutputItemAdded, OutputItemDone


def ask(url, question, *, model, idle_timeout):
    """Stream the answer to standard output; return the exit status."""
    request = {
        "model": model,
        "messages": [{"role": "user", "content": question}],
        "stream_options": {"include_usage": True},  # token usage in the last chunk
    }
    key = os.environ.get("OPENAI_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    events = []  # what arrived, to keep the partial answer if the stream fails
    try:
        with chatsse.stream_chat(
            url, request, headers=headers, idle_timeout=idle_timeout
        ) as stream:
            for event in stream:
                events.append(event)
                match event:
                    case OutputItemAdded(item=chatsse.Reasoning()):
                        print("(thinking) ", end="")
                    case chatsse.ReasoningContentDelta(delta=text):
                        print(text, end="", flush=True)
                    case OutputItemAdded(item=Message()):
                        print("\n\n", end="")
                    case chatsse.OutputTextDelta(delta=text):
                        print(text, end="", flush=True)
                    case OutputItemDone(item=FunctionCall(name=name, arguments=arguments)):
                        print(f"\n-> {name}({arguments})", end="")
                    case Completed(finish_reason=reason, token_usage=usage):
                        print(f"\n[{reason}] {describe(usage)}")
    except chatsse.HTTPStatusError as error:  # raised by stream_chat(): nothing was streamed
        print(f"ask: {error}", file=sys.stderr)
        if error.retry_after is not None:
            print(f"ask: try again in {error.retry_after:g} s", file=sys.stderr)
        return 1
    except chatsse.ChatSSEError as error:  # mid-answer: keep what arrived
        # Finished items came as OutputItemDone events; the open ones are on the error.
        items = chatsse.collect(events).items + error.partial_items
        text = "".join(item.text for item in items if isinstance(item, Message))
        print(f"\nask: cut short: {type(error).__name__}: {error.message}", file=sys.stderr)
        print(f"ask: the answer so far: {text!r}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C: leaving the with block has hung up already
        print("\nask: interrupted", file=sys.stderr)
        return 130
    return 0


def describe(usage):
    if usage is None:
        return "no token usage reported"
    return (
        f"{usage.input_tokens} tokens in ({usage.cached_input_tokens} cached), "
        f"{usage.output_tokens} out ({usage.reasoning_output_tokens} reasoning)"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description="Ask a question, print the answer live.")
    parser.add_argument("question")
    parser.add_argument("--url", default="https://api.openai.com/v1/chat/completions")
    parser.add_argument("--model", default="gpt-4o-mini")
    parser.add_argument("--idle-timeout", type=float, default=60.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    return ask(args.url, args.question, model=args.model, idle_timeout=args.idle_timeout)


def demo():
    """Without arguments (as the docs' tests run it): ask a local ReplayServer, offline,
    for a whole answer, then for one that stalls in the middle of its text."""
    from chatsse._cli import demo_transcript
    from chatsse.testing import ReplayServer

    body = demo_transcript()
    stall = body.index(b'" forecast"')  # the server goes quiet here
    for options, extra in [({}, []), ({"stall_after": stall}, ["--idle-timeout", "0.5"])]:
        with ReplayServer(body, delay=0.01, **options) as server:
            argv = ["--url", server.chat_url, "--model", "deepseek-reasoner", *extra]
            argv.append("Umbrella in Paris this afternoon?")
            print(f"$ python ask.py {shlex.join(argv)}")
            with contextlib.redirect_stderr(sys.stdout):  # both streams, in order, on the page
                status = main(argv)
            print(f"$ echo $?\n{status}\n")


if __name__ == "__main__":
    sys.exit(main() if len(sys.argv) > 1 else demo())
