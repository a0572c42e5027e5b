"""One stream per thread; the threads share one requests.Session (its connection pool)."""

import json
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter

import chatsse
from chatsse.testing import ReplayServer


def sse(*chunks):
    """A Chat Completions SSE body: one ``data:`` event per chunk, then ``[DONE]``."""
    events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks]
    return "".join([*events, "data: [DONE]\n\n"]).encode()


def answer(city):
    pieces = [f"Forecast for {city}:", " dry", " all", " day."]
    return sse(*({"id": city, "choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces))


CITIES = ["Oslo", "Paris", "Lima", "Kyoto", "Perth", "Quito", "Cairo", "Tunis"]

with (
    ReplayServer(*(answer(city) for city in CITIES), delay=0.01) as server,
    requests.Session() as session,
):
    # A Session keeps 10 connections per host by default; with more threads than
    # that, give its adapter a larger pool (mount one for "https://" too in real use).
    session.mount("http://", HTTPAdapter(pool_maxsize=len(CITIES)))

    def ask(number):
        request = {"model": "m", "messages": [{"role": "user", "content": f"Question {number}"}]}
        stream = chatsse.stream_chat(server.chat_url, request, session=session)
        return chatsse.collect(stream)  # collect() reads the stream to its end, which closes it

    with ThreadPoolExecutor(max_workers=len(CITIES)) as pool:
        results = list(pool.map(ask, range(len(CITIES))))

    for result in sorted(results, key=lambda r: r.response_id):
        print(f"{result.response_id:>6}: {result.text}")
    print(f"{len(server.requests)} requests on {len(CITIES)} connections at most:", end=" ")
    print(server.connections <= len(CITIES))
