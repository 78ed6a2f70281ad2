"""What a call costs the store, counted: trips to the database per routing decision and
per routed call, each held to a budget so no change quietly makes calls dearer.

A trip is one call into the Connection (one statement, or one batch of them): each is a
hop to SQLite's thread, or a round trip to PostgreSQL. BEGIN and COMMIT are the store's
and not counted here (PostgreSQL sends its BEGIN with the first trip).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smartnumber.calls import inbound
from smartnumber.storage.sql import SqlRepository
from smartnumber.storage.sqlite import SqliteStore

from .conftest import Run

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
# call_records: everything deciding reads at once, the number's CNAM and the forwarding
# territories included.
DECISION_TRIPS = 1
# A known contact's call: the decision; the timeline entry; the call.routed event (the
# webhooks, the event, its deliveries). A new lead's adds the round-robin turn
# (compare-and-set), its contact and phone, and the lead.created event (the webhooks,
# the event; no subscription wants it here, so no deliveries).
ROUTED_CALL_TRIPS = {"+12125550150": 5, "+13105550199": 10}


class Counting:
    """A Connection that counts the trips made through it."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.trips = inner, []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def fetch(self, sql: str, params: tuple[Any, ...]) -> Any:
        self.trips.append(sql)
        return await self.inner.fetch(sql, params)

    async def fetch_each(self, statements: Any) -> Any:
        self.trips.append(" ; ".join(sql for sql, _ in statements))
        return await self.inner.fetch_each(statements)

    async def execute(self, sql: str, params: tuple[Any, ...]) -> Any:
        self.trips.append(sql)
        return await self.inner.execute(sql, params)

    async def execute_many(self, sql: str, rows: Any) -> Any:
        self.trips.append(sql)
        return await self.inner.execute_many(sql, rows)


def calls_to_route(run: Run) -> None:
    run("number", "routing", "+12125550110", "--mode", "round-robin", "--agents", "Alice,Bob")
    run("contact", "add", "Ann", "--phone", "2125550150")
    run("activity", "add", "--contact", "2125550150", "--agent", "Bob", "--kind", "call",
        "--direction", "inbound")  # fmt: skip
    run("webhook", "add", "https://crm.example.com/hook", "--events", "call.routed")


async def test_a_routing_decision_is_one_trip(provisioned: Run, tmp_path: Path) -> None:
    calls_to_route(provisioned)
    store = await SqliteStore.open(tmp_path / "sn.db")
    try:
        for caller in ("+12125550150", "+13105550199", "anonymous"):
            async with store.snapshot() as repo:
                counting = Counting(repo.connection)
                decision = await inbound.explain(
                    SqlRepository(counting), "+12125550110", caller, NOW
                )
            assert decision.agents, decision
            assert len(counting.trips) == DECISION_TRIPS, counting.trips
    finally:
        await store.close()


async def test_a_routed_call_stays_within_its_trips(provisioned: Run, tmp_path: Path) -> None:
    calls_to_route(provisioned)
    store = await SqliteStore.open(tmp_path / "sn.db")
    try:
        for caller, budget in ROUTED_CALL_TRIPS.items():  # a known contact, a new lead
            async with store.transaction() as repo:
                counting = Counting(repo.connection)
                routed = await inbound.route_incoming(
                    SqlRepository(counting), "+12125550110", caller, NOW
                )
            assert routed.call_id is not None
            trips = "\n".join(counting.trips)
            assert len(counting.trips) <= budget, trips
    finally:
        await store.close()


class CountingStore:
    """A Store whose transactions and snapshots are counted, each with its trips."""

    def __init__(self, inner: SqliteStore) -> None:
        self.inner = inner
        self.transactions: list[list[str]] = []
        self.snapshots: list[list[str]] = []

    def transaction(self) -> AbstractAsyncContextManager[SqlRepository]:
        return self._counted(self.inner.transaction(), self.transactions)

    def snapshot(self) -> AbstractAsyncContextManager[SqlRepository]:
        return self._counted(self.inner.snapshot(), self.snapshots)

    @asynccontextmanager
    async def _counted(
        self, opened: AbstractAsyncContextManager[SqlRepository], into: list[list[str]]
    ) -> AsyncIterator[SqlRepository]:
        async with opened as repo:
            counting = Counting(repo.connection)
            into.append(counting.trips)
            yield SqlRepository(counting)


# Trips in write transactions before the service answers: none for a known contact's
# call; for a new lead on a round-robin number, the turn's compare-and-set.
WRITES_BEFORE_THE_ANSWER = {"+12125550150": [], "+13105550199": [1]}


async def test_the_answer_path_writes_nothing_but_the_turn(
    provisioned: Run, tmp_path: Path
) -> None:
    calls_to_route(provisioned)
    inner = await SqliteStore.open(tmp_path / "sn.db")
    try:
        for caller, writes in WRITES_BEFORE_THE_ANSWER.items():
            store = CountingStore(inner)
            routed = await inbound.route_call(store, "+12125550110", caller, NOW)  # type: ignore[arg-type]
            assert routed.to_record is not None and routed.call_id is None
            assert [len(trips) for trips in store.transactions] == writes, store.transactions
            assert [len(trips) for trips in store.snapshots] == [DECISION_TRIPS]
    finally:
        await inner.close()


# A routed call's outcome, reported by the hangup handler: its entry, held (by its key);
# the agent who answered; the contact with its phones; the entry's update; the call.ended
# event (the webhooks, the event: no subscription wants it here, so no deliveries); the
# lead, unowned, given to the agent who answered.
OUTCOME_TRIPS = 7


async def test_a_calls_outcome_stays_within_its_trips(provisioned: Run, tmp_path: Path) -> None:
    from smartnumber.calls import outcomes
    from smartnumber.model import CallOutcome

    calls_to_route(provisioned)
    inner = await SqliteStore.open(tmp_path / "sn.db")
    try:
        routed = await inbound.route_call(inner, "+12125550110", "+12125550150", NOW)
        assert routed.to_record is not None
        async with inner.transaction() as repo:
            await inbound.record_routed(repo, routed.to_record)
        store = CountingStore(inner)
        ended = outcomes.CallEnded(
            routed.reference, CallOutcome("ANSWER", "PJSIP/bob", None, 30), uniqueid="1.1"
        )
        call_id = await outcomes.record(store, ended, None, lambda: NOW)  # type: ignore[arg-type]
        assert call_id is not None
        [trips] = store.transactions
        assert len(trips) <= OUTCOME_TRIPS, "\n".join(trips)
    finally:
        await inner.close()
