"""The page, and the view that re-streams the upstream answer as SSE frames."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.views.decorators.http import require_GET

import chatsse

PAGE = Path(__file__).resolve().parents[2] / "web_page" / "index.html"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.read_bytes(), content_type="text/html; charset=utf-8")


@require_GET
def chat(request: HttpRequest) -> HttpResponseBase:
    prompt = request.GET.get("prompt", "")
    if not prompt:
        return HttpResponseBadRequest("the prompt query parameter is missing")
    body = {
        "model": settings.MODEL,
        "messages": [{"role": "user", "content": prompt}],
        "stream": True,
        "stream_options": {"include_usage": True},  # for the token counts on the page
    }
    api_key = settings.OPENAI_API_KEY
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    # A function, not the stream: sse_frames opens it when the response
    # starts, so an HTTP error from the upstream (a bad key, a rate limit)
    # reaches the page as an error frame rather than a 500. When the browser
    # leaves, Django closes the response, which closes the frames and hangs
    # up on the upstream.
    frames = chatsse.sse_frames(
        lambda: chatsse.stream_chat(settings.UPSTREAM_URL, body, headers=headers),
        keepalive=15,  # a comment every 15 s while the model thinks: proxies keep the line
    )
    response = StreamingHttpResponse(frames, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold the frames back
    return response
