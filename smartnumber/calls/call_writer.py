"""Writing routed calls after Asterisk has its answer: as many as wait, in one transaction.

The incoming handler hands each routed call's record (call_record.py) here the moment
it is decided, then answers; the records are written in the order they came, everything
waiting at once in one transaction (a burst of calls shares its commits). A batch the
store refuses is written one record at a time, so one bad record keeps back no other;
a record the store is too busy for is tried again for RETRY_FOR seconds. One that still
could not be written is left to the reconciler: the call's CDR holds its copy. An outcome
that arrives first waits for its call's record (written()).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from .. import logs
from ..errors import Conflict, StorageBusy, StorageError, UserError
from ..storage.repository import Store
from .call_record import CallToRecord
from .inbound import record_routed

log = logging.getLogger("smartnumber.calls")

BATCH = 200  # records in one transaction at most
# A batch waits this long at most for the calls waiting to be decided (a burst): the
# answers first, the writes in the quiet after them.
DEFER_AT_MOST = 0.5
RETRY_FOR = 60.0  # seconds a record waits for a busy or unreachable store
RETRY_EVERY = 0.25


class CallWriter:
    def __init__(
        self,
        store: Store,
        *,
        retry_for: float = RETRY_FOR,
        after: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """`after`: returns when no call waits to be decided; batches go after them."""
        self._store = store
        self._after = after
        self._retry_for = retry_for
        self._waiting: list[CallToRecord] = []
        self._written: dict[str, asyncio.Event] = {}  # by call key, until written or given up
        self._task: asyncio.Task[None] | None = None
        self.transactions = 0  # batches committed, for tests and benchmarks

    def add(self, call: CallToRecord) -> None:
        """Write this call's record soon; returns at once."""
        self._waiting.append(call)
        self._written[call.call_key] = asyncio.Event()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())

    def holds(self, call_key: str) -> bool:
        """Is this call's record still waiting to be written?"""
        return call_key in self._written

    async def written(self, call_key: str) -> None:
        """Return once this call's record is written or given up (at once if not held)."""
        event = self._written.get(call_key)
        if event is not None:
            await event.wait()

    async def flush(self) -> None:
        """Write everything waiting (the service stopping)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _drain(self) -> None:
        while self._waiting:
            if self._after is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._after(), DEFER_AT_MOST)
            batch, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            try:
                await self._write(batch)
            finally:
                for call in batch:
                    self._written.pop(call.call_key).set()

    async def _write(self, batch: Sequence[CallToRecord]) -> None:
        try:
            await self._patiently(batch)
            return
        except (UserError, StorageError, ValueError) as exc:
            if len(batch) == 1:
                self._given_up(batch[0], exc)
                return
        for call in batch:  # one record the store refuses keeps back no other
            try:
                await self._patiently([call])
            except (UserError, StorageError, ValueError) as exc:
                self._given_up(call, exc)

    async def _patiently(self, batch: Sequence[CallToRecord]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._retry_for
        while True:
            try:
                async with self._store.transaction() as repo:
                    for call in batch:
                        await record_routed(repo, call)
                self.transactions += 1
                return
            except StorageBusy:  # locked, or away for a moment (StorageUnavailable)
                if loop.time() >= deadline:
                    raise
            await asyncio.sleep(RETRY_EVERY)

    def _given_up(self, call: CallToRecord, exc: Exception) -> None:
        already = isinstance(exc, Conflict)  # its key is taken: the reconciler wrote it
        logs.event(
            log,
            "call record written already" if already else "call record not written",
            call_key=call.call_key,
            reason=str(exc)[:200],
            **({} if already else {"then": "the reconciler writes it from the call's CDR"}),
        )
