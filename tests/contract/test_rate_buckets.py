"""The HTTP API's rate limits are counted in the store, so every API process on one
database shares them: a bucket per key, full when first asked, refilled at its rate up
to its burst, never overdrawn however many processes take from it at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from smartnumber.storage import Store, open_store

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


async def take(store: Store, key: str, want: int, at: datetime, rate: float = 5.0) -> int:
    async with store.transaction() as repo:
        return await repo.take_allowance(key, rate, 10, want, at)


async def test_a_bucket_is_full_at_first_then_spent_then_refilled(store: Store) -> None:
    assert await take(store, "token:crm", 4, T0) == 4
    assert await take(store, "token:crm", 8, T0) == 6  # what is left of the burst
    assert await take(store, "token:crm", 1, T0) == 0
    assert await take(store, "token:other", 3, T0) == 3  # each key its own
    half = T0 + timedelta(milliseconds=500)  # 5 a second: 2.5 back
    assert await take(store, "token:crm", 5, half) == 2
    assert await take(store, "token:crm", 5, T0 + timedelta(hours=1)) == 5  # never over 10
    assert await take(store, "token:crm", 10, T0 + timedelta(hours=1)) == 5


async def test_a_clock_that_steps_back_gives_nothing_back(store: Store) -> None:
    assert await take(store, "token:crm", 10, T0) == 10
    assert await take(store, "token:crm", 1, T0 - timedelta(minutes=5)) == 0
    assert await take(store, "token:crm", 1, T0 + timedelta(milliseconds=200)) == 1


async def test_processes_racing_for_one_bucket_never_overdraw_it(
    store: Store, store_url: str
) -> None:
    others = [await open_store(store_url) for _ in range(2)]
    try:
        taken = await asyncio.gather(
            *(take(s, "token:crm", 1, T0) for s in [store, *others] for _ in range(15))
        )
    finally:
        for other in others:
            await other.close()
    assert sum(taken) == 10
