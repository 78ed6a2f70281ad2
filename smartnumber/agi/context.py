"""What every FastAGI handler is given: the store, the clock and the time budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..storage.repository import Store


@dataclass(frozen=True)
class HandlerContext:
    store: Store
    clock: Callable[[], datetime]
    routing_budget: float = 0.3  # seconds; past it the call takes the number's fallback
