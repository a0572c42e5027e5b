"""A Flask backend that streams a model's answer to the browser, event by event.

``GET /`` serves the page (``examples/web_page/index.html``); the page asks
``GET /chat?prompt=...`` with ``EventSource``. That view posts the prompt to an
OpenAI-compatible Chat Completions endpoint with :func:`chatsse.stream_chat`
and returns :func:`chatsse.sse_frames`: one SSE frame per event, named by its
type, and an ``error`` frame if the upstream fails. When the browser leaves,
the WSGI server closes the frames, which hangs up on the upstream, so the
model stops generating.

Configuration comes from the environment when run directly or with
``create_app_from_env``: ``UPSTREAM_URL`` (the full chat completions URL),
``OPENAI_API_KEY`` (optional: sent as ``Authorization: Bearer ...``) and
``MODEL``. Flask's development server::

    UPSTREAM_URL=https://api.openai.com/v1/chat/completions OPENAI_API_KEY=sk-... \\
        python examples/flask_app/app.py

As deployed, under gunicorn with threads (each answer being streamed holds a
thread for as long as it lasts)::

    UPSTREAM_URL=... OPENAI_API_KEY=... gunicorn --worker-class gthread --threads 8 \\
        --chdir examples/flask_app --bind 127.0.0.1:8000 'app:create_app_from_env()'

Without a model at hand, ``chatsse serve chatsse/data/demo.sse --port 8765
--delay 0.05`` replays the bundled answer at
``UPSTREAM_URL=http://127.0.0.1:8765/v1/chat/completions``.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request, send_file

import chatsse

PAGE = Path(__file__).resolve().parent.parent / "web_page" / "index.html"
DEFAULT_MODEL = "gpt-4o-mini"


def create_app(
    upstream_url: str, *, api_key: str | None = None, model: str = DEFAULT_MODEL
) -> Flask:
    """The app, re-streaming answers from ``upstream_url`` (a chat completions URL)."""
    app = Flask(__name__)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    @app.get("/")
    def index() -> Response:
        return send_file(PAGE, mimetype="text/html")

    @app.get("/chat")
    def chat() -> Response | tuple[str, int]:
        prompt = request.args.get("prompt", "")
        if not prompt:
            return "the prompt query parameter is missing", 400
        body = {
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "stream": True,
            "stream_options": {"include_usage": True},  # for the token counts on the page
        }
        # A function, not the stream: sse_frames opens it when the response
        # starts, so an HTTP error from the upstream (a bad key, a rate
        # limit) reaches the page as an error frame rather than a 500.
        frames = chatsse.sse_frames(
            lambda: chatsse.stream_chat(upstream_url, body, headers=headers),
            keepalive=15,  # a comment every 15 s while the model thinks: proxies keep the line
        )
        return Response(
            frames,
            mimetype="text/event-stream",
            # X-Accel-Buffering: nginx would otherwise hold the frames back.
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return app


def create_app_from_env() -> Flask:
    """The app configured by ``UPSTREAM_URL``, ``OPENAI_API_KEY`` and ``MODEL``."""
    upstream_url = os.environ.get("UPSTREAM_URL")
    if not upstream_url:
        raise RuntimeError("set UPSTREAM_URL to an OpenAI-compatible chat completions URL")
    return create_app(
        upstream_url,
        api_key=os.environ.get("OPENAI_API_KEY") or None,
        model=os.environ.get("MODEL", DEFAULT_MODEL),
    )


if __name__ == "__main__":
    # threaded: each streaming answer holds its thread.
    create_app_from_env().run(host="127.0.0.1", port=5000, threaded=True)
