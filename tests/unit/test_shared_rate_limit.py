"""SharedRateLimit: spends slices taken from the shared bucket, refuses once the store
says the bucket is empty, and counts per process when the store cannot answer."""

from __future__ import annotations

import asyncio

from smartnumber.api.limits import SharedRateLimit
from smartnumber.errors import StorageBusy


async def test_slices_come_from_the_store_until_it_says_empty() -> None:
    left = {"k": 6}
    asked: list[int] = []

    async def take(key: str, rate: float, burst: int, want: int) -> int:
        asked.append(want)
        got = min(want, left[key])
        left[key] -= got
        return got

    limit = SharedRateLimit("token", take, rate=20.0, burst=40)  # slices of 2
    answers = [await limit.allow("k") for _ in range(10)]
    assert answers == [True] * 6 + [False] * 4
    assert limit.spent("k") and set(asked) == {2}


async def test_a_store_that_cannot_answer_leaves_each_process_its_own_limit() -> None:
    async def take(key: str, rate: float, burst: int, want: int) -> int:
        raise StorageBusy("locked")

    limit = SharedRateLimit("token", take, rate=1.0, burst=3)
    answers = [await limit.allow("k") for _ in range(5)]
    assert answers == [True] * 3 + [False] * 2  # this process's own bucket of 3


async def test_a_slow_store_does_not_hold_a_request_up() -> None:
    gate = asyncio.Event()

    async def take(key: str, rate: float, burst: int, want: int) -> int:
        await gate.wait()
        return want

    limit = SharedRateLimit("token", take, rate=10.0, burst=20, wait=0.01)
    assert await asyncio.wait_for(limit.allow("k"), 1)  # own bucket meanwhile
    gate.set()
    asking = limit.held["k"].asking
    assert asking is not None
    await asking
    assert limit.held["k"].allowance == limit.slice
