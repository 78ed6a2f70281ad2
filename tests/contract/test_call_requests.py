"""Click-to-call requests the HTTP API kept are claimed for good: each by one service of
all that share the database, never handed out again (its Originate may have reached
Asterisk), with how placing it ended kept. Runs against every store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from smartnumber.errors import Conflict
from smartnumber.storage import Store, open_store

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def request(store: Store, *keys: str) -> list[int]:
    async with store.transaction() as repo:
        return [await repo.request_call(k, {"call_key": k, "n": i}, T0) for i, k in enumerate(keys)]


async def test_a_request_is_claimed_once_for_good(store: Store) -> None:
    [first, second] = await request(store, "a" * 16, "b" * 16)
    async with store.transaction() as repo:
        [taken] = await repo.claim_call_requests("w1", T0, 1)
        assert taken.id == first and taken.plan == {"call_key": "a" * 16, "n": 0}
        assert taken.claimed_by == "w1" and taken.requested_at == T0
        # Long after, w1 never said how it went (it may have died placing it): it is
        # still nobody else's, since its Originate may have reached Asterisk.
        later = T0 + timedelta(hours=1)
        assert [r.id for r in await repo.claim_call_requests("w2", later, 10)] == [second]
        assert await repo.claim_call_requests("w3", later, 10) == []
        await repo.call_request_done(first, "placed", later)
        found = await repo.call_request("a" * 16)
    assert found is not None and found.outcome == "placed" and found.done_at == later
    assert found.claimed_by == "w1"


async def test_one_call_key_is_one_request(store: Store) -> None:
    await request(store, "c" * 16)
    with pytest.raises(Conflict):
        await request(store, "c" * 16)


async def test_two_stores_on_one_database_claim_each_request_once(
    store: Store, store_url: str
) -> None:
    await request(store, *(f"{n:016x}" for n in range(200)))
    other = await open_store(store_url)
    taken: dict[str, list[str]] = {"a": [], "b": []}
    started = {"a": asyncio.Event(), "b": asyncio.Event()}  # both claimed once: racing

    async def claim(name: str, on: Store, rival: str) -> None:
        while True:
            async with on.transaction() as repo:
                got = await repo.claim_call_requests(name, T0, 3)
            started[name].set()
            await asyncio.wait_for(started[rival].wait(), 30)
            for found in got:  # placed, each settled on its own
                async with on.transaction() as repo:
                    await repo.call_request_done(found.id, "placed", T0)
                taken[name].append(found.call_key)
                await asyncio.sleep(0)
            if not got:
                return

    try:
        await asyncio.gather(claim("a", store, "b"), claim("b", other, "a"))
    finally:
        await other.close()
    both = taken["a"] + taken["b"]
    assert len(both) == len(set(both)) == 200 and taken["a"] and taken["b"]
