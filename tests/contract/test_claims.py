"""The concurrency contract: several services share one database, so work is claimed
before it is done -- a batch for one worker, with a lease a dead worker loses, settled
only by its holder. Each test runs against every store, some with a second
open_store() of the same database racing the first (under asyncio.gather) or with
separate processes."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smartnumber.model import RoutingMode, Scope, TextStatus
from smartnumber.storage import Store, open_store
from smartnumber.storage.repository import NewAgent, NewInboundText, NewSmartNumber, NewText

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
NUMBER = "+12125550100"


async def queue(store: Store, *recipients: str) -> list[int]:
    async with store.transaction() as repo:
        return [
            await repo.queue_text(NewText(NUMBER, to, f"text {n}", "sent", T0))
            for n, to in enumerate(recipients)
        ]


async def test_texts_are_claimed_with_a_lease_and_settled_by_their_holder(store: Store) -> None:
    [ann, ben] = await queue(store, "+13105550101", "+13105550102")
    async with store.transaction() as repo:
        first = await repo.claim_due_texts("w1", T0, T0 + LEASE, 10)
        assert [t.id for t in first] == [ann, ben]
        assert await repo.claim_due_texts("w2", T0, T0 + LEASE, 10) == []  # held by w1
        assert await repo.text_done(ann, TextStatus.SENT, T0, worker="w1")

        later = T0 + LEASE  # w1 died holding Ben's text: its lease is over
        [taken] = await repo.claim_due_texts("w2", later, later + LEASE, 10)
        assert taken.id == ben
        assert not await repo.text_done(ben, TextStatus.SENT, later, worker="w1")  # too late
        assert not await repo.text_attempted(ben, "busy", later, worker="w1")
        assert await repo.text_attempted(ben, "refused", later, worker="w2")  # retried ...
        [again] = await repo.claim_due_texts("w3", later, later + LEASE, 10)  # ... by anyone
        assert again.id == ben and again.last_error == "refused"
        assert await repo.claim_due_texts("w4", later, later + LEASE, 10) == []


async def test_claimed_texts_given_back_are_due_to_the_next_claim(store: Store) -> None:
    [ann] = await queue(store, "+13105550101")
    async with store.transaction() as repo:
        await repo.claim_due_texts("w1", T0, T0 + LEASE, 10)
        await repo.release_texts("w1", [ann])
        [taken] = await repo.claim_due_texts("w2", T0, T0 + LEASE, 10)
        assert taken.id == ann
        await repo.release_texts("w1", [ann])  # not w1's any more: nothing happens
        assert await repo.claim_due_texts("w3", T0, T0 + LEASE, 10) == []


async def test_a_conversation_is_never_split_between_workers(store: Store) -> None:
    """While one worker holds a text to a number, nobody else takes a later one to it: the
    parts of a conversation go in order."""
    [one, other, two] = await queue(store, "+13105550101", "+13105550102", "+13105550101")
    async with store.transaction() as repo:
        [held] = await repo.claim_due_texts("w1", T0, T0 + LEASE, 1)
        assert held.id == one
        assert [t.id for t in await repo.claim_due_texts("w2", T0, T0 + LEASE, 10)] == [other]
        assert await repo.text_done(one, TextStatus.SENT, T0, worker="w1")
        assert [t.id for t in await repo.claim_due_texts("w2", T0, T0 + LEASE, 10)] == [two]


async def test_two_stores_on_one_database_send_each_text_once(store: Store, store_url: str) -> None:
    recipients = [f"+1310555{n % 50:04d}" for n in range(400)]
    await queue(store, *recipients)
    other = await open_store(store_url)
    sent: dict[str, list[int]] = {"a": [], "b": []}
    # Each waits after its first claim for the other's: on a busy box one SQLite store
    # could otherwise drain all 400 before the other's BEGIN got the lock once.
    claimed = {"a": asyncio.Event(), "b": asyncio.Event()}

    async def drain(name: str, on: Store) -> None:
        while True:
            async with on.transaction() as repo:
                got = await repo.claim_due_texts(name, T0, T0 + LEASE, 7)
            claimed[name].set()
            await claimed["b" if name == "a" else "a"].wait()
            for text in got:
                async with on.transaction() as repo:
                    assert await repo.text_done(text.id, TextStatus.SENT, T0, worker=name)
                sent[name].append(text.id)
                await asyncio.sleep(0)
            if not got:
                return

    try:
        await asyncio.gather(drain("a", store), drain("b", other))
    finally:
        await other.close()
    both = sent["a"] + sent["b"]
    assert len(both) == len(set(both)) == 400 and sent["a"] and sent["b"]


DRAIN = """
import asyncio, json, os, signal, sys, time
from datetime import datetime, timedelta
from smartnumber.model import TextStatus
from smartnumber.storage import open_store

async def main(url, name, at, die=""):
    store = await open_store(url)
    now, sent = datetime.fromisoformat(at), []
    gate = os.environ["DRAIN_GATE"]  # all start together: ready, then wait for "go"
    open(os.path.join(gate, "ready-" + name), "w").close()
    for _ in range(6000):
        if os.path.exists(os.path.join(gate, "go")):
            break
        await asyncio.sleep(0.01)
    try:
        while True:
            async with store.transaction() as repo:
                got = await repo.claim_due_texts(name, now, now + timedelta(seconds=60), 5)
            if die:  # killed holding its claims, before sending any
                print(json.dumps([t.id for t in got]), flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
            if not got:
                break
            for text in got:
                async with store.transaction() as repo:
                    if await repo.text_done(text.id, TextStatus.SENT, now, worker=name):
                        sent.append([text.id, time.monotonic_ns()])
    finally:
        await store.close()
    print(json.dumps(sent))

asyncio.run(main(*sys.argv[1:]))
"""


async def drainers(url: str, tmp_path: Path, count: int, *extra: str) -> list[list[list[int]]]:
    """`count` worker processes draining the outbox at T0, let go together once each has
    its store open; what each sent: [id, when]."""
    script = tmp_path / "drain.py"
    script.write_text(DRAIN)
    gate = tmp_path / "gate"
    gate.mkdir()
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            url,
            f"p{n}",
            T0.isoformat(),
            *extra,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "DRAIN_GATE": str(gate)},
        )
        for n in range(count)
    ]
    deadline = asyncio.get_running_loop().time() + 60
    while len(list(gate.glob("ready-*"))) < count:  # every worker has its store open
        assert asyncio.get_running_loop().time() < deadline, "the workers did not start"
        assert all(w.returncode is None for w in workers), "a worker ended before starting"
        await asyncio.sleep(0.02)
    (gate / "go").touch()
    said = [await asyncio.wait_for(w.communicate(), 180) for w in workers]
    if not extra:
        for worker, (_, errors) in zip(workers, said, strict=True):
            assert worker.returncode == 0, errors.decode()
    return [json.loads(out) for out, _ in said]


async def test_three_processes_on_one_database_send_each_text_once(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    await queue(store, *(f"+1310555{n % 30:04d}" for n in range(300)))
    sent = await drainers(store_url, tmp_path, 3)
    both = [i for pairs in sent for i, _ in pairs]
    assert len(both) == len(set(both)) == 300, [len(ids) for ids in sent]


async def test_two_processes_drain_a_thousand_texts_once_each_in_order_per_lead(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    recipients = [f"+1310555{n % 40:04d}" for n in range(1000)]
    ids = await queue(store, *recipients)
    to = dict(zip(ids, recipients, strict=True))

    sent = await drainers(store_url, tmp_path, 2)

    done = sorted((when, i) for pairs in sent for i, when in pairs)
    assert len(done) == len({i for _, i in done}) == 1000, [len(p) for p in sent]
    assert all(sent), "both workers took part"
    for lead in set(recipients):
        theirs = [i for _, i in done if to[i] == lead]
        assert theirs == sorted(theirs), f"{lead}'s texts went out of order"


async def test_a_worker_killed_holding_claims_loses_them_when_its_lease_ends(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    ids = await queue(store, *(f"+1310555{n:04d}" for n in range(12)))
    [held] = await drainers(store_url, tmp_path, 1, "die")
    assert held and set(held) <= set(ids)

    async with store.transaction() as repo:  # its lease runs still: nobody else sends them
        meanwhile = await repo.claim_due_texts("survivor", T0, T0 + LEASE, 50)
    assert not {t.id for t in meanwhile} & set(held)
    later = T0 + LEASE + timedelta(seconds=1)
    async with store.transaction() as repo:  # then the survivor takes them over
        taken = await repo.claim_due_texts("survivor", later, later + LEASE, 50)
    assert set(held) <= {t.id for t in taken}
    for text in taken:
        async with store.transaction() as repo:
            assert await repo.text_done(text.id, TextStatus.SENT, later, worker="survivor")
    async with store.snapshot() as repo:
        settled = [await repo.queued_text(i) for i in ids]
    assert [t.status if t else None for t in settled] == [TextStatus.SENT] * len(ids)


async def keep(store: Store, count: int) -> list[int]:
    kept = []
    async with store.transaction() as repo:
        for n in range(count):
            text = NewInboundText(f"key{n}", NUMBER, "+13105550101", "<sip:x@carrier>", "STOP",
                                  4, "agi", T0)  # fmt: skip
            found = await repo.keep_inbound_text(text)
            assert found is not None
            kept.append(found)
    return kept


async def test_a_kept_text_is_taken_once_and_given_back_if_its_handling_fails(
    store: Store,
) -> None:
    [stop] = await keep(store, 1)
    try:
        async with store.transaction() as repo:
            assert await repo.take_inbound_text(stop, T0) is not None
            raise RuntimeError("the handling failed")
    except RuntimeError:
        pass
    async with store.transaction() as repo:
        [pending] = await repo.pending_inbound_texts(10)  # the mark went with the failure
        taken = await repo.take_inbound_text(stop, T0)
        assert pending.id == stop and taken is not None and taken.body == "STOP"
        assert await repo.take_inbound_text(stop, T0) is None  # handled: nobody takes it again
        assert await repo.pending_inbound_texts(10) == []


async def test_two_stores_racing_for_the_same_stops_take_each_once(
    store: Store, store_url: str
) -> None:
    kept = await keep(store, 60)
    other = await open_store(store_url)
    taken: dict[str, list[int]] = {"a": [], "b": []}

    async def handle_all(name: str, on: Store) -> None:
        for text_id in kept:  # both go through every pending text, as two services would
            async with on.transaction() as repo:
                if await repo.take_inbound_text(text_id, T0) is not None:
                    taken[name].append(text_id)
            await asyncio.sleep(0)

    try:
        await asyncio.gather(handle_all("a", store), handle_all("b", other))
    finally:
        await other.close()
    assert sorted(taken["a"] + taken["b"]) == kept


async def test_round_robin_alternates_exactly_over_concurrent_calls(
    store: Store, store_url: str
) -> None:
    """Forty calls at once on two stores: each takes the turn by compare-and-set,
    deciding again when another call took it first -- so two agents get twenty each,
    in turn."""
    async with store.transaction() as repo:
        office = await repo.add_office("Main")
        agents = [
            (await repo.add_agent(NewAgent(name, cell, None, office.id))).id
            for name, cell in (("Alice", "+12125550101"), ("Bob", "+12125550102"))
        ]
        number = await repo.add_number(NewSmartNumber(NUMBER, Scope.OFFICE, office.id))
        await repo.set_number_routing(number.id, RoutingMode.ROUND_ROBIN, agents)
    other = await open_store(store_url)
    turns: list[tuple[int, int | None]] = []

    async def call(on: Store) -> None:
        while True:
            async with on.transaction() as repo:
                routing = await repo.number_routing(number.id)
                assert routing is not None
                last = routing.last_agent_id
                turn = agents[(agents.index(last) + 1) % 2] if last in agents else agents[0]
                if await repo.advance_round_robin(number.id, last, turn):
                    turns.append((turn, last))
                    return
            await asyncio.sleep(0)  # lost the race: decide again

    try:
        await asyncio.gather(*(call(store if n % 2 else other) for n in range(40)))
    finally:
        await other.close()
    given = [turn for turn, _ in turns]
    assert given.count(agents[0]) == given.count(agents[1]) == 20
    assert all(turn != last for turn, last in turns)  # never the same agent twice running


async def test_emails_are_claimed_with_a_lease_and_settled_by_their_holder(store: Store) -> None:
    async with store.transaction() as repo:
        first = await repo.queue_email("a@example.com", "Suspended", "...", T0, None)
        second = await repo.queue_email("b@example.com", "Suspended", "...", T0, None)
        assert [e.id for e in await repo.claim_emails("w1", T0, T0 + LEASE, 10)] == [
            first,
            second,
        ]
        assert await repo.claim_emails("w2", T0, T0 + LEASE, 10) == []
        assert await repo.email_sent(first, T0, worker="w1")
        later = T0 + LEASE  # w1 died with the second
        [taken] = await repo.claim_emails("w2", later, later + LEASE, 10)
        assert taken.id == second
        assert not await repo.email_failed(second, "timeout", worker="w1")  # too late
        assert await repo.email_failed(second, "refused", worker="w2")  # stays queued ...
        [again] = await repo.claim_emails("w3", later, later + LEASE, 10)  # ... for anyone
        assert again.id == second and again.last_error == "refused"


async def test_one_senders_texts_are_handled_in_order_across_workers(store: Store) -> None:
    """A STOP and then a START from one number: while one worker holds the STOP, no other
    takes the START -- whoever handles them, they are handled in the order they came."""
    async with store.transaction() as repo:
        ids = []
        for n, (sender, body) in enumerate(
            (("+13105550101", "STOP"), ("+13105550102", "hi"), ("+13105550101", "START"))
        ):
            text = NewInboundText(f"k{n}", NUMBER, sender, "<sip:x@carrier>", body, 4, "agi", T0)
            kept = await repo.keep_inbound_text(text)
            assert kept is not None
            ids.append(kept)
        stop, other, start = ids
        [held] = await repo.claim_inbound_texts("w1", T0, T0 + LEASE, 1)
        assert held.id == stop
        assert [t.id for t in await repo.claim_inbound_texts("w2", T0, T0 + LEASE, 10)] == [other]
        again = await repo.claim_inbound_texts("w1", T0, T0 + LEASE, 10)  # w1's own, still
        assert [t.id for t in again] == [stop, start]  # (w2 holds the other sender's)
        assert await repo.take_inbound_text(stop, T0) is not None
        later = T0 + LEASE  # w1 died holding the START (w2 its text): anyone's, after
        taken = await repo.claim_inbound_texts("w3", later, later + LEASE, 10)
        assert [t.id for t in taken] == [other, start]


@pytest.mark.parametrize("held_by", ["id", "call key"])
async def test_two_changes_to_one_timeline_entry_both_survive(
    store: Store, store_url: str, held_by: str
) -> None:
    """Held by activity_to_change (its id) or call_to_change (its call's key)."""
    from smartnumber.model import ActivityKind, ContactPhone, Direction
    from smartnumber.storage.repository import NewActivity, NewContact

    async with store.transaction() as repo:
        contact = await repo.add_contact(NewContact("Ann", (ContactPhone("+13105550101"),), T0))
        entry = await repo.add_activity(
            NewActivity(contact.id, ActivityKind.CALL, Direction.INBOUND, T0, detail={"by": []},
                        call_key="0123456789abcdef")
        )  # fmt: skip
    assert entry is not None
    other = await open_store(store_url)

    async def add(on: Store, name: str) -> None:  # read, think a while, write
        async with on.transaction() as repo:
            found = await (
                repo.activity_to_change(entry.id)
                if held_by == "id"
                else repo.call_to_change("0123456789abcdef")
            )
            assert found is not None
            await asyncio.sleep(0.2)
            await repo.update_activity(entry.id, None, {"by": [*found.detail["by"], name]})

    try:
        await asyncio.gather(add(store, "hangup handler"), add(other, "reconciler"))
    finally:
        await other.close()
    async with store.snapshot() as repo:
        final = await repo.activity_by_id(entry.id)
    assert final is not None
    assert sorted(final.detail["by"]) == ["hangup handler", "reconciler"]  # no lost update


def inbound(key: str, sender: str) -> NewInboundText:
    return NewInboundText(key, NUMBER, sender, "<sip:x@carrier>", "hi", 2, "agi", T0)


async def test_inbox_claims_start_at_a_floor_that_never_passes_a_pending_text(
    store: Store,
) -> None:
    """Claims scan from the lowest pending id a look found (each second), so the texts
    handled while a transaction elsewhere stayed open are not walked again; a text still
    pending is never left below it, whoever holds it."""
    async with store.transaction() as repo:
        first, second, third = [
            await repo.keep_inbound_text(inbound(f"f{n}", f"+1310555020{n}")) for n in range(3)
        ]
        [held] = await repo.claim_inbound_texts("w1", T0, T0 + LEASE, 1)
        assert held.id == first
        assert await repo.take_inbound_text(second, T0) is not None  # handled out of turn
    later = T0 + timedelta(seconds=2)  # a new look: the floor rises to the held text
    async with store.transaction() as repo:
        got = await repo.claim_inbound_texts("w2", later, later + LEASE, 10)
        assert [t.id for t in got] == [third]
    dead = later + LEASE + timedelta(seconds=1)  # w1 and w2 died: theirs are taken over
    async with store.transaction() as repo:
        got = await repo.claim_inbound_texts("w3", dead, dead + LEASE, 10)
        assert [t.id for t in got] == [first, third]


async def test_a_text_committed_after_the_floor_was_looked_for_is_still_claimed(
    postgres_url: str,
) -> None:
    """Two nodes keep texts at once: the one given the lower id commits after a claim
    looked for the floor. The floor stays at or below it (never above the newest id the
    look before saw), so the next claim takes it. (PostgreSQL: SQLite has one writer.)"""
    a, b = await open_store(postgres_url), await open_store(postgres_url)
    try:
        async with a.transaction() as repo:
            await repo.keep_inbound_text(inbound("p0", "+13105550300"))
        async with a.transaction() as repo:  # the look before: it saw that newest id
            [done] = await repo.claim_inbound_texts("w1", T0, T0 + LEASE, 10)
            assert await repo.take_inbound_text(done.id, T0) is not None
        late_begun, late_done = asyncio.Event(), asyncio.Event()

        async def slow_node() -> int | None:
            async with a.transaction() as repo:
                kept = await repo.keep_inbound_text(inbound("p1", "+13105550301"))
                late_begun.set()
                await late_done.wait()
            return kept

        slow = asyncio.create_task(slow_node())
        await late_begun.wait()
        async with b.transaction() as repo:
            early = await repo.keep_inbound_text(inbound("p2", "+13105550302"))
        look = T0 + timedelta(seconds=2)
        async with b.transaction() as repo:  # sees p2 pending, not p1 (uncommitted)
            got = await repo.claim_inbound_texts("w2", look, look + LEASE, 10)
            assert [t.id for t in got] == [early]
        late_done.set()
        late = await slow
        assert late is not None and early is not None and late < early
        soon = look + timedelta(milliseconds=100)  # the same look's floor, within FLOOR_MS
        async with b.transaction() as repo:
            got = await repo.claim_inbound_texts("w3", soon, soon + LEASE, 10)
            assert [t.id for t in got] == [late]
    finally:
        await a.close()
        await b.close()
