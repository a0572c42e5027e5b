"""Reassembling tool calls from their deltas (SPEC P8).

Providers stream a tool call as fragments: an ``id`` and ``function.name`` in
the first one, pieces of ``function.arguments`` in the following ones. Which
call a fragment belongs to is told by its ``index`` and/or ``id``, and every
provider fills those differently:

* OpenAI, Azure, DeepSeek: ``index`` on every fragment, ``id`` on the first.
* Mistral: no ``index`` at all; every call arrives whole with its ``id``.
* Qwen (Alibaba): continuations carry ``"id": ""``, which must not count as an id.
* OpenRouter (Kimi): the ``id`` repeated on every fragment.
* Ollama: every parallel call at ``index`` 0, each with its own ``id`` (and
  name): a new id and a name at an index holding another call is a new call.
* Poolside: the continuations of a call carry another ``id`` than its first
  fragment, and no name: a new id *without* a name continues the call at its
  index, as the seed does (starting a new call there would drop its arguments:
  a call without a name is never delivered).

Calls live in *slots* (integers). A slot is the provider's ``index`` when it
gives one, so a call without an id is named ``tool-call-{index}`` as in the
seed. A call that cannot take the slot of its index (an Ollama call after the
first) is *moved* to a free slot; a later index that is a moved call's slot
is then moved too, so that it never joins a call of another index.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ._events import FunctionCall, join_pieces

logger = logging.getLogger("chatsse")


class PendingCall:
    """A tool call still receiving fragments."""

    __slots__ = ("arguments", "call_id", "index", "name", "slot")

    def __init__(self, slot: int, index: int | None) -> None:
        self.slot = slot
        self.index = index  # the provider's index for it, None if it gave none
        self.call_id: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []

    @property
    def name_index(self) -> int:
        """The number in ``tool-call-{n}``: the provider's index (the seed's slot)."""
        return self.slot if self.index is None else self.index

    def to_item(self, *, finished: bool) -> FunctionCall:
        arguments = join_pieces(self.arguments)
        if finished and not arguments:
            # A tool without parameters: providers send no arguments at all,
            # but callers json.loads() them.
            arguments = "{}"
        return FunctionCall(
            name=self.name or "",
            arguments=arguments,
            call_id=self.call_id if self.call_id is not None else f"tool-call-{self.name_index}",
        )


class ToolCallAccumulator:
    """Pending tool calls of one response, in the order they were first seen."""

    def __init__(self) -> None:
        self._pending: dict[int, PendingCall] = {}  # insertion order = first-seen order
        self._slot_by_id: dict[str, int] = {}
        self._slot_by_index: dict[int, int] = {}  # where a moved provider index now points
        self._moved: set[int] = set()  # slots taken by moved indexes (see the module's docstring)
        self._next_free = 0
        self._last_slot: int | None = None

    def __bool__(self) -> bool:
        return bool(self._pending)

    def add(self, fragment: object) -> tuple[PendingCall, str] | None:
        """Merge one fragment; return the call it went to and the argument text it added."""
        if not isinstance(fragment, dict):
            return None
        function = fragment.get("function")
        if not isinstance(function, dict):
            return self.merge(fragment.get("id"), fragment.get("index"), None, None)
        return self.merge(
            fragment.get("id"),
            fragment.get("index"),
            function.get("name"),
            function.get("arguments"),
        )

    def merge(
        self, call_id: object, index: object, name: object, arguments: object
    ) -> tuple[PendingCall, str]:
        """Merge a fragment's id, index, ``function.name`` and ``function.arguments``
        (each as the fragment holds it, None when missing)."""
        if not isinstance(call_id, str) or not call_id:
            call_id = None  # Qwen's continuations carry "id": ""
        if type(index) is not int or index < 0:
            index = None
        if call_id is None and index is not None:
            slot = self._slot_by_index.get(index, index)  # _slot_for's answer, sooner
            if self._moved and slot == index and index in self._moved:
                slot = self._move(index)
        else:
            slot = self._slot_for(index, call_id, isinstance(name, str) and bool(name))

        call = self._pending.get(slot)
        if call is None:
            call = self._pending[slot] = PendingCall(slot, index)
        if call_id is not None:
            if call.call_id is None:
                call.call_id = call_id
            self._slot_by_id.setdefault(call_id, slot)
        self._last_slot = slot

        if call.name is None and isinstance(name, str) and name:
            call.name = name  # the first non-empty name wins; names are never joined
        added = arguments if type(arguments) is str else _arguments_text(arguments)
        if added:
            call.arguments.append(added)
        return call, added

    def _slot_for(self, index: int | None, call_id: str | None, named: bool) -> int:
        if call_id is not None:
            known = self._slot_by_id.get(call_id)
            if known is not None:
                return known
        if index is None:
            if call_id is None and self._last_slot is not None:
                return self._last_slot  # a continuation of the call being streamed
            return self._take_free_slot()
        slot = self._slot_by_index.get(index, index)
        if slot == index and index in self._moved:
            return self._move(index)
        if call_id is not None:
            holder = self._pending.get(slot)
            if holder is not None and holder.call_id is not None and holder.call_id != call_id:
                if named:
                    # A new id and a name at an index already in use: a new call
                    # (Ollama sends every parallel call at index 0). Later id-less
                    # fragments at this index continue the new call.
                    return self._move(index)
                # A new id without a name: the same call under another id
                # (Poolside). The first id stays the call's id.
                logger.debug(
                    "tool call %r at index %d continued under another id", holder.call_id, index
                )
        return slot

    def _move(self, index: int) -> int:
        """Give provider index ``index`` a free slot of its own, from now on."""
        slot = self._slot_by_index[index] = self._take_free_slot()
        self._moved.add(slot)
        return slot

    def _take_free_slot(self) -> int:
        while self._next_free in self._pending:
            self._next_free += 1
        slot = self._next_free
        self._next_free += 1
        return slot

    def take_finished(self) -> list[FunctionCall]:
        """Remove every pending call; return those that got a name, in first-seen order."""
        calls = []
        for call in self._pending.values():
            if call.name is None:
                logger.debug("skipping tool call %s: it never received a name", call.slot)
                continue
            calls.append(call.to_item(finished=True))
        self._clear()
        return calls

    def discard(self) -> list[str]:
        """Remove every pending call; return their names (for the log)."""
        names = [call.name or f"<unnamed {call.slot}>" for call in self._pending.values()]
        self._clear()
        return names

    def _clear(self) -> None:
        # The calls are gone, and with them the reasons to move an index: a
        # later call at index 0 is tool-call-0 again, as in the seed.
        self._pending.clear()
        self._slot_by_index.clear()
        self._moved.clear()

    def partial_items(self) -> list[FunctionCall]:
        """The pending calls as they stand, named or not, arguments as received."""
        return [call.to_item(finished=False) for call in self._pending.values()]


def _arguments_text(arguments: Any) -> str:
    if isinstance(arguments, str):
        return arguments
    if isinstance(arguments, (dict, list)):
        # Some servers send the arguments already parsed; keep them as JSON text
        # rather than dropping them.
        return json.dumps(arguments, ensure_ascii=False)
    return ""
