"""What every FastAGI handler is given: the store, the clock and the time budget."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ...calls.call_writer import CallWriter
from ...storage.repository import Store


@dataclass(frozen=True)
class HandlerContext:
    store: Store
    clock: Callable[[], datetime]
    routing_budget: float = 0.3  # seconds; past it the call takes the number's fallback
    media: Path | None = None  # prompts, recordings, voicemail (media.py); None: not used
    # Set when a handler has put texts in the outbox: the deliverer need not wait its turn.
    texts_queued: asyncio.Event = field(default_factory=asyncio.Event)
    # Set when a text was kept in the inbox: the service handles it at once.
    texts_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    inbox_budget: float = 2.0  # seconds to keep a text before the dialplan spools it
    # Why calls took the fallback, by channel uniqueid, until their outcome is recorded.
    fallback_reasons: dict[str, str] = field(default_factory=dict)
    # Writes routed calls once Asterisk has its answer, to this store.
    writes: CallWriter = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "writes", CallWriter(self.store))

    def remember_fallback(self, uniqueid: str, reason: str, keep: int = 10_000) -> None:
        self.fallback_reasons[uniqueid] = reason
        while len(self.fallback_reasons) > keep:  # oldest first: dicts keep insertion order
            del self.fallback_reasons[next(iter(self.fallback_reasons))]
