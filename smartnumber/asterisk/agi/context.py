"""What every FastAGI handler is given: the store, the clock and the time budget."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ...calls.call_writer import CallWriter
from ...storage.repository import Store
from .admission import ArrivalOrder

# Decisions made at once; later calls wait their turn in arrival order (admission.py).
# More would only share the store's connections and the core between more of them.
DECISIONS_AT_ONCE = 8


@dataclass(frozen=True)
class HandlerContext:
    store: Store
    clock: Callable[[], datetime]
    # Seconds from when Asterisk asked; past it the call takes the number's fallback.
    routing_budget: float = 0.8
    media: Path | None = None  # prompts, recordings, voicemail (media.py); None: not used
    # Set when a handler has put texts in the outbox: the deliverer need not wait its turn.
    texts_queued: asyncio.Event = field(default_factory=asyncio.Event)
    # Set when a text was kept in the inbox: the service handles it at once.
    texts_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    inbox_budget: float = 2.0  # seconds to keep a text before the dialplan spools it
    # Why calls took the fallback, by channel uniqueid, until their outcome is recorded.
    fallback_reasons: dict[str, str] = field(default_factory=dict)
    decisions: ArrivalOrder = field(default_factory=lambda: ArrivalOrder(DECISIONS_AT_ONCE))
    # Writes routed calls once Asterisk has its answer, to this store.
    writes: CallWriter = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "writes", CallWriter(self.store, after=self.decisions.quiet))

    def remember_fallback(self, uniqueid: str, reason: str, keep: int = 10_000) -> None:
        self.fallback_reasons[uniqueid] = reason
        while len(self.fallback_reasons) > keep:  # oldest first: dicts keep insertion order
            del self.fallback_reasons[next(iter(self.fallback_reasons))]
