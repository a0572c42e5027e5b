"""iter_events() over chunks: the events do not depend on where the bytes were cut."""

import chatsse
from chatsse._cli import demo_transcript

body = demo_transcript()


def chunks_of(data, size):
    """The body cut into pieces, as a socket or an HTTP client hands it over."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


whole = list(chatsse.iter_events(body))
for size in (1, 7, 4096):
    assert list(chatsse.iter_events(chunks_of(body, size))) == whole

print(f"{len(whole)} events, identical for the whole body and for chunks of 1, 7 and 4096 bytes")
