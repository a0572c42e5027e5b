"""chatsse: typed events from OpenAI-compatible Chat Completions streams.

Feed it the Server-Sent Events of a ``"stream": true`` Chat Completions
response and get assistant text deltas, reasoning deltas, finished tool calls
and one final :class:`Completed` with the response id, token usage and finish
reason - whichever provider sent them.
"""

from ._api import ByteSource, ChatResult, collect, iter_events
from ._driver import ChatStream, SSETelemetry, StreamStats, stream_chat
from ._errors import (
    APIError,
    ChatSSEError,
    ContextWindowExceededError,
    HTTPStatusError,
    IdleTimeoutError,
    ParserStateError,
    StreamError,
)
from ._events import (
    Completed,
    FunctionCall,
    FunctionCallArgumentsDelta,
    Message,
    OutputItemAdded,
    OutputItemDone,
    OutputText,
    OutputTextDelta,
    Reasoning,
    ReasoningContentDelta,
    ReasoningText,
    Refusal,
    RefusalDelta,
    ResponseEvent,
    ResponseItem,
    TokenUsage,
)
from ._framing import DEFAULT_MAX_EVENT_BYTES, MAX_EVENT_LINES
from ._json import MAX_JSON_DEPTH
from ._parser import ChatStreamParser
from ._serialize import from_dict, to_dict
from ._version import __version__
from ._web import decode_frames, sse_frames

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "MAX_EVENT_LINES",
    "MAX_JSON_DEPTH",
    "APIError",
    "ByteSource",
    "ChatResult",
    "ChatSSEError",
    "ChatStream",
    "ChatStreamParser",
    "Completed",
    "ContextWindowExceededError",
    "FunctionCall",
    "FunctionCallArgumentsDelta",
    "HTTPStatusError",
    "IdleTimeoutError",
    "Message",
    "OutputItemAdded",
    "OutputItemDone",
    "OutputText",
    "OutputTextDelta",
    "ParserStateError",
    "Reasoning",
    "ReasoningContentDelta",
    "ReasoningText",
    "Refusal",
    "RefusalDelta",
    "ResponseEvent",
    "ResponseItem",
    "SSETelemetry",
    "StreamError",
    "StreamStats",
    "TokenUsage",
    "__version__",
    "collect",
    "decode_frames",
    "from_dict",
    "iter_events",
    "sse_frames",
    "stream_chat",
    "to_dict",
]
