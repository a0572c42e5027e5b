"""telemetry= sees every SSE read and how long it waited; stats measures the whole stream."""

import chatsse
from chatsse._cli import demo_transcript
from chatsse.testing import ReplayServer

BODY = demo_transcript()


class SlowReads:
    """Counts the SSE reads, and notes which ones waited longer than a threshold."""

    def __init__(self, threshold):
        self.threshold = threshold
        self.reads = 0
        self.slow = []

    def on_sse_poll(self, outcome, elapsed_seconds):
        # outcome: the SSE event read; None if the body ended without [DONE]; or the error
        self.reads += 1
        if elapsed_seconds > self.threshold:
            self.slow.append((self.reads, type(outcome).__name__))


telemetry = SlowReads(threshold=0.2)
# 0.3 s before the first event (the model thinking), then 5 ms between events.
with ReplayServer(BODY, first_byte_delay=0.3, delay=0.005) as server:
    request = {"model": "m", "messages": []}
    with chatsse.stream_chat(server.chat_url, request, telemetry=telemetry) as stream:
        chatsse.collect(stream)

print(f"{telemetry.reads} reads; slower than 0.2 s (read number, outcome): {telemetry.slow}")

stats = stream.stats
print(stats.sse_events, "SSE events read,", stats.events, "chatsse events yielded")
print(f"bytes_received == len(BODY): {stats.bytes_received == len(BODY)}")
print(f"time_to_first_byte >= 0.3: {stats.time_to_first_byte >= 0.3}")
print(
    "time_to_first_byte <= time_to_first_token <= duration:",
    stats.time_to_first_byte <= stats.time_to_first_token <= stats.duration,
)
