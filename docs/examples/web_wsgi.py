"""Any WSGI server: a bare WSGI application that re-streams an answer as SSE frames.

The application posts the prompt upstream with stream_chat() and returns
sse_frames(): one frame per event. Here the standard library's wsgiref serves
it on 127.0.0.1, one thread per request, and a ReplayServer plays the model.
"""

import threading
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from requests.adapters import HTTPAdapter

import chatsse
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer

THREADS = 8  # streams at once: each one holds a thread for as long as it lasts

# One Session for every request: its pool keeps a connection per thread to the
# upstream. Set it up before serving; nothing else is shared between requests.
session = requests.Session()
for prefix in ("http://", "https://"):
    session.mount(prefix, HTTPAdapter(pool_maxsize=THREADS))


def make_app(upstream_url):
    def application(environ, start_response):
        prompt = parse_qs(environ.get("QUERY_STRING", "")).get("prompt", [""])[0]
        if environ["PATH_INFO"] != "/chat" or not prompt:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"ask GET /chat?prompt=...\n"]
        body = {"model": "deepseek-reasoner", "messages": [{"role": "user", "content": prompt}]}
        frames = chatsse.sse_frames(
            # A function: an upstream HTTP error becomes an error frame, not a 500.
            lambda: chatsse.stream_chat(upstream_url, body, session=session),
            keepalive=15,  # an SSE comment after 15 s without an event
        )
        headers = [
            ("Content-Type", "text/event-stream"),
            ("Cache-Control", "no-cache"),
            ("X-Accel-Buffering", "no"),  # nginx: pass each frame on at once
        ]
        start_response("200 OK", headers)
        return frames  # the server calls frames.close() when it is done, or the client left

    return application


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # no access log on stderr
        pass


with ReplayServer(demo_transcript(), delay=0.03) as upstream:
    httpd = make_server(
        "127.0.0.1",
        0,  # a free port
        make_app(upstream.chat_url),
        server_class=ThreadingWSGIServer,
        handler_class=QuietHandler,
    )
    serving = threading.Thread(target=httpd.serve_forever)
    serving.start()
    url = f"http://127.0.0.1:{httpd.server_port}/chat"

    # 1. The whole answer, as the browser would receive it.
    with requests.get(url, params={"prompt": "Umbrella?"}, stream=True, timeout=10) as response:
        print(response.status_code, response.headers["Content-Type"])
        frames = response.text.split("\n\n")[:-1]
    print(f"{len(frames)} frames; the first two and the last:\n")
    for frame in [*frames[:2], frames[-1]]:
        print(frame, end="\n\n")

    # 2. A client that leaves after five events: the upstream sees it leave.
    with requests.get(url, params={"prompt": "Umbrella?"}, stream=True, timeout=10) as response:
        for number, _event in enumerate(chatsse.decode_frames(response.raw), 1):
            if number == 5:
                break  # leaving the with block closes the connection
    print(f"the second client left after {number} events")
    upstream.wait_responses(2, timeout=10)  # until the upstream is done with the answer
    second = next(response for response in upstream.responses if response.index == 1)
    print(f"upstream: client_left={second.client_left}, finished={second.finished}")

    httpd.shutdown()  # stop serve_forever(), then close the listening socket
    serving.join()
    httpd.server_close()
session.close()
