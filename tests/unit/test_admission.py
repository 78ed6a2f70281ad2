"""Decisions in arrival order (asterisk/agi/admission.py): a few at once, the others let in
first come, first served, and sent away at their deadline without their turn."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from smartnumber.asterisk.agi.admission import ArrivalOrder


async def until(condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while not condition():
        assert loop.time() < deadline, "the gate never got there"
        await asyncio.sleep(0)


async def test_waiters_are_let_in_in_the_order_they_came() -> None:
    gate = ArrivalOrder(2)
    loop = asyncio.get_running_loop()
    let_in: list[int] = []
    release = asyncio.Event()

    async def decide(i: int) -> None:
        async with gate.turn(loop.time() + 10) as admitted:
            assert admitted
            let_in.append(i)
            await release.wait()

    tasks = [asyncio.create_task(decide(i)) for i in range(6)]
    await until(lambda: len(let_in) == 2 and gate.waiting == 4)
    assert let_in == [0, 1] and gate.running == 2
    release.set()
    await asyncio.gather(*tasks)
    assert let_in == [0, 1, 2, 3, 4, 5]
    assert (gate.running, gate.waiting, gate.shed) == (0, 0, 0)


async def test_a_waiter_whose_deadline_passes_leaves_without_its_turn() -> None:
    gate = ArrivalOrder(1)
    loop = asyncio.get_running_loop()
    release = asyncio.Event()
    let_in: list[str] = []

    async def decide(name: str, budget: float) -> bool:
        async with gate.turn(loop.time() + budget) as admitted:
            if admitted:
                let_in.append(name)
                await release.wait()
            return admitted

    first = asyncio.create_task(decide("first", 10))
    await until(lambda: gate.running == 1)
    late = asyncio.create_task(decide("late", 0.05))
    patient = asyncio.create_task(decide("patient", 10))
    assert await late is False  # its deadline passed while "first" held the only turn
    assert gate.shed == 1
    release.set()
    assert await first and await patient
    assert let_in == ["first", "patient"]  # the one that left was skipped, not waited for
    assert (gate.running, gate.waiting) == (0, 0)


async def test_a_waiter_cancelled_gives_back_nothing_it_did_not_hold() -> None:
    gate = ArrivalOrder(1)
    loop = asyncio.get_running_loop()
    release = asyncio.Event()

    async def decide() -> None:
        async with gate.turn(loop.time() + 10):
            await release.wait()

    holder = asyncio.create_task(decide())
    await until(lambda: gate.running == 1)
    waiter = asyncio.create_task(decide())
    await until(lambda: gate.waiting == 1)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()
    await holder
    assert (gate.running, gate.waiting) == (0, 0)
    async with gate.turn(loop.time() + 1) as admitted:  # the turn is free again at once
        assert admitted and gate.running == 1


def test_at_least_one_decision_runs() -> None:
    with pytest.raises(ValueError):
        ArrivalOrder(0)


async def test_quiet_returns_once_no_one_waits_for_a_turn() -> None:
    gate = ArrivalOrder(1)
    loop = asyncio.get_running_loop()
    await gate.quiet()  # no one waits: at once
    release = asyncio.Event()

    async def decide() -> None:
        async with gate.turn(loop.time() + 10):
            await release.wait()

    tasks = [asyncio.create_task(decide()) for _ in range(2)]
    await until(lambda: gate.waiting == 1)
    quiet = asyncio.create_task(gate.quiet())
    await asyncio.sleep(0)
    assert not quiet.done()  # one call still waits for its turn
    release.set()
    await asyncio.gather(*tasks)
    async with asyncio.timeout(5):
        await quiet
