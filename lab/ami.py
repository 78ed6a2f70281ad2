"""Watch AMI events from a private Asterisk (panoramisk), and wait on them with a deadline."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from panoramisk import Manager

Event = dict[str, str]


class AmiWatcher:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.manager: Any = None  # the logged-in panoramisk Manager, to send actions
        self._changed = asyncio.Event()

    async def send(self, action: dict[str, Any]) -> Any:
        """One action and its response (panoramisk's Message)."""
        return await asyncio.wait_for(self.manager.send_action(action), 10)

    def _record(self, _manager: Any, message: Any) -> None:
        self.events.append({str(k): str(v) for k, v in dict(message).items()})
        self._changed.set()

    async def wait_for(self, match: Callable[[Event], bool], timeout: float = 10.0) -> Event:
        """The first event (seen so far or arriving within timeout) that matches."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for event in self.events:
                if match(event):
                    return event
            remaining = deadline - loop.time()
            if remaining <= 0:
                names = sorted({e.get("Event", "?") for e in self.events})
                raise AssertionError(f"no matching AMI event in {timeout}s; saw: {names}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def named(self, name: str) -> list[Event]:
        return [e for e in self.events if e.get("Event") == name]


@asynccontextmanager
async def watch(host: str, port: int, username: str, secret: str) -> AsyncIterator[AmiWatcher]:
    """Log in to the AMI and record every event until the block ends."""
    watcher = AmiWatcher()
    manager = Manager(
        host=host,
        port=port,
        username=username,
        secret=secret,
        loop=asyncio.get_running_loop(),
        reconnect_timeout=3600,
    )
    manager.register_event("*", watcher._record)
    await manager.connect()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while not manager.authenticated:
        if loop.time() > deadline:
            manager.close()
            raise AssertionError("could not log in to the AMI")
        await asyncio.sleep(0.05)
    watcher.manager = manager
    try:
        yield watcher
    finally:
        # panoramisk reconnects after close(); stop that before closing.
        manager.connection_lost = lambda exc: None
        manager.close()
