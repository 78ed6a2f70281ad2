"""Decisions in arrival order: a few at once, the rest waiting their turn until their
deadline.

A burst of calls (a radio ad, a mass text's callbacks) must not make every decision
slow: run all of them at once and they share the store and the core, so each finishes
late and all take the fallback. Here the first `limit` decide while the others wait in
the order they came; one that is still waiting at its deadline leaves at once (its
call takes the fallback) without costing the store anything. The calls that asked
first are answered first.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ArrivalOrder:
    """At most `limit` holders at once; the others are let in first come, first served."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("at least one decision must be able to run")
        self.limit = limit
        self.running = 0
        self.shed = 0  # waiters that reached their deadline before their turn
        self.waiting = 0  # callers waiting for their turn now
        self._waiting: deque[asyncio.Future[None]] = deque()  # and some that left
        self._quiet = asyncio.Event()
        self._quiet.set()

    async def quiet(self) -> None:
        """Return once no call waits for its turn (work that can wait goes after them)."""
        await self._quiet.wait()

    @asynccontextmanager
    async def turn(self, deadline: float) -> AsyncIterator[bool]:
        """Yields True once it is this caller's turn, or False at `deadline` (the event
        loop's time) if the turn has not come by then."""
        admitted = await self._enter(deadline)
        try:
            yield admitted
        finally:
            if admitted:
                self._leave()

    async def _enter(self, deadline: float) -> bool:
        loop = asyncio.get_running_loop()
        if loop.time() >= deadline:  # e.g. a request that took its budget to arrive
            self.shed += 1
            return False
        if self.running < self.limit:  # then no one waits: a turn given back found no one
            self.running += 1
            return True
        turn: asyncio.Future[None] = loop.create_future()
        self._waiting.append(turn)
        self.waiting += 1
        self._quiet.clear()
        try:
            async with asyncio.timeout_at(deadline):
                await asyncio.shield(turn)
        except TimeoutError:
            if turn.done():  # the turn came just as the deadline passed: pass it on
                self._leave()
            else:
                turn.cancel()
            self.shed += 1
            return False
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._leave()
            else:
                turn.cancel()
            raise
        finally:
            self.waiting -= 1
            if not self.waiting:
                self._quiet.set()
        return True

    def _leave(self) -> None:
        """Hand this turn to the longest waiter still waiting, or give it back."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)  # `running` stays: the turn changes hands
                return
        self.running -= 1
