"""SQLite storage: migrations, pragmas, model rules, and the routing queries' indexes."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from smartnumber.errors import Conflict
from smartnumber.model import ActivityKind, ContactPhone, Direction, Scope
from smartnumber.storage.migrations import sqlite_migrations
from smartnumber.storage.repository import NewActivity, NewAgent, NewContact, NewSmartNumber
from smartnumber.storage.sqlite import SqliteStore
from smartnumber.storage.sqlite.connection import SqliteConnection

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path: Path):
    opened = await SqliteStore.open(tmp_path / "t.db")
    yield opened
    await opened.close()


async def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    for _ in range(2):
        store = await SqliteStore.open(path)
        await store.close()
    async with aiosqlite.connect(path) as db:
        rows = await (await db.execute("SELECT version FROM schema_migrations")).fetchall()
        mode = await (await db.execute("PRAGMA journal_mode")).fetchone()
    assert [r[0] for r in rows] == [m.version for m in sqlite_migrations()]
    assert mode[0] == "wal"


async def test_snapshots_read_side_by_side(store: SqliteStore) -> None:
    """A snapshot held open (a slow API read, a decision) keeps no other waiting: there
    are READERS connections, and a snapshot past them waits its turn for the first free."""
    from smartnumber.storage.sqlite.store import READERS

    async with store.transaction() as repo:
        await repo.set_setting("k", "v")
    async with contextlib.AsyncExitStack() as held:
        for _ in range(READERS - 1):
            repo = await held.enter_async_context(store.snapshot())
            assert (await repo.settings())["k"] == "v"
        async with asyncio.timeout(5), store.snapshot() as other:
            assert (await other.settings())["k"] == "v"
        blocked = await held.enter_async_context(store.snapshot())  # every reader now held
        waiting = asyncio.create_task(_read_in_a_snapshot(store))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        assert (await blocked.settings())["k"] == "v"
    async with asyncio.timeout(5):
        assert await waiting == "v"  # let in once one was given back


async def _read_in_a_snapshot(store: SqliteStore) -> str:
    async with store.snapshot() as repo:
        return (await repo.settings())["k"]


async def test_foreign_keys_are_enforced(store: SqliteStore) -> None:
    with pytest.raises(Conflict):
        async with store.transaction() as repo:
            await repo.add_team("Sales", office_id=999)


async def test_a_failed_transaction_leaves_nothing(store: SqliteStore) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as repo:
            await repo.add_office("Main")
            raise RuntimeError("boom")
    async with store.transaction() as repo:
        assert await repo.list_offices() == []


async def _people(repo):
    office = await repo.add_office("Main")
    alice = await repo.add_agent(NewAgent("Alice", "+12125550101", office_id=office.id))
    bob = await repo.add_agent(NewAgent("Bob", "+12125550102", office_id=office.id))
    return office, alice, bob


async def test_shared_numbers_find_every_contact(store: SqliteStore) -> None:
    async with store.transaction() as repo:
        await _people(repo)
        shared = ContactPhone("+12125550199")
        ann = await repo.add_contact(NewContact("Ann", (shared,), T0))
        ben = await repo.add_contact(NewContact("Ben", (shared, ContactPhone("+12125550198")), T0))
        found = await repo.contacts_by_phone("+12125550199")
        assert [c.name for c in found] == ["Ann", "Ben"]
        assert [p.e164 for p in (await repo.contact_by_id(ben.id)).phones] == [
            "+12125550199",
            "+12125550198",
        ]
        assert ann.phones[0].subscription.value == "subscribed"


async def test_personal_number_needs_an_agent_owner(store: SqliteStore) -> None:
    async with store.transaction() as repo:
        _, alice, _ = await _people(repo)
        first = await repo.add_number(NewSmartNumber("+12125550001", Scope.PERSONAL, alice.id))
        second = await repo.add_number(NewSmartNumber("+12125550002", Scope.PERSONAL, alice.id))
        await repo.set_primary_number(second)
        owned = await repo.numbers_owned(Scope.PERSONAL, alice.id)
        assert [(n.e164, n.primary) for n in owned] == [
            (second.e164, True),
            (first.e164, False),
        ]
        with pytest.raises(Conflict):
            await repo.add_number(NewSmartNumber("+12125550001", Scope.OFFICE, 1))


async def test_activity_external_id_is_imported_once(store: SqliteStore) -> None:
    async with store.transaction() as repo:
        _, alice, _ = await _people(repo)
        ann = await repo.add_contact(NewContact("Ann", (ContactPhone("+12125550199"),), T0))
        email = NewActivity(
            ann.id, ActivityKind.EMAIL, Direction.OUTBOUND, T0, alice.id, external_id="crm-1"
        )
        assert await repo.add_activity(email) is not None
        assert await repo.add_activity(email) is None
        assert len(await repo.timeline([ann.id], 10)) == 1


async def test_timeline_is_newest_first(store: SqliteStore) -> None:
    async with store.transaction() as repo:
        _, alice, _ = await _people(repo)
        ann = await repo.add_contact(NewContact("Ann", (ContactPhone("+12125550199"),), T0))
        for hours in (1, 3, 2):
            await repo.add_activity(
                NewActivity(
                    ann.id,
                    ActivityKind.NOTE,
                    Direction.INTERNAL,
                    T0 + timedelta(hours=hours),
                    alice.id,
                    detail={"h": hours},
                )
            )
        assert [a.detail["h"] for a in await repo.timeline([ann.id], 10)] == [3, 2, 1]


async def test_latest_conversation_and_outbound(store: SqliteStore) -> None:
    async with store.transaction() as repo:
        _, alice, bob = await _people(repo)
        ann = await repo.add_contact(NewContact("Ann", (ContactPhone("+12125550199"),), T0))

        async def add(kind, direction, at, agent):
            return await repo.add_activity(NewActivity(ann.id, kind, direction, at, agent))

        await add(ActivityKind.CALL, Direction.INBOUND, T0 - timedelta(days=100), alice.id)
        await add(ActivityKind.EMAIL, Direction.OUTBOUND, T0 - timedelta(days=5), bob.id)
        await add(ActivityKind.CALL, Direction.INBOUND, T0 - timedelta(days=1), None)  # missed
        since = T0 - timedelta(days=90)
        assert await repo.latest_conversation([ann.id], since) is None
        latest = await repo.latest_outbound([ann.id])
        assert latest is not None and latest.agent_id == bob.id

        # Ties are broken by the newest activity, deterministically.
        await add(ActivityKind.TEXT, Direction.OUTBOUND, T0, alice.id)
        await add(ActivityKind.TEXT, Direction.INBOUND, T0, bob.id)
        latest = await repo.latest_conversation([ann.id], since)
        assert latest is not None and latest.agent_id == bob.id


@pytest.mark.parametrize(
    ("method", "index"),
    [
        ("latest_conversation", "activities_latest_conversation"),
        ("latest_outbound", "activities_latest_outbound"),
    ],
)
async def test_routing_queries_use_their_partial_index(
    store: SqliteStore, method: str, index: str
) -> None:
    """The query plan must name the partial index: a refactor that changes the WHERE
    clause and silently drops to a table scan fails here, not at 10 M activities."""
    db = store._db
    plans: list[str] = []
    original = SqliteConnection.fetch

    async def spy(self, sql, params=()):  # type: ignore[no-untyped-def]
        if sql.lstrip().startswith("SELECT id, contact_id, agent_id, kind, at FROM activities"):
            plans.append(sql)
        return await original(self, sql, params)

    SqliteConnection.fetch = spy  # type: ignore[method-assign]
    try:
        async with store.transaction() as repo:
            args = ([1, 2], T0) if method == "latest_conversation" else ([1, 2],)
            await getattr(repo, method)(*args)
    finally:
        SqliteConnection.fetch = original  # type: ignore[method-assign]
    (sql,) = plans
    params = [1, 2, 0] if method == "latest_conversation" else [1, 2]
    async with db.execute(f"EXPLAIN QUERY PLAN {sql}", params) as cursor:
        detail = " | ".join(row[3] for row in await cursor.fetchall())
    assert index in detail, detail


async def in_begin(begun: list[str]) -> None:
    """Once the store's writer has started BEGIN IMMEDIATE (traced into `begun`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5.0
    while "BEGIN IMMEDIATE" not in begun:
        assert loop.time() < deadline, begun
        await asyncio.sleep(0.005)


async def test_a_transaction_cancelled_while_waiting_for_a_lock_leaves_no_trace(
    tmp_path: Path,
) -> None:
    """BEGIN IMMEDIATE blocked by another writer, then cancelled (a routing budget ran
    out): once the other writer is done, the store must work as before."""
    import sqlite3

    path = tmp_path / "locked.db"
    store = await SqliteStore.open(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with store.transaction() as repo:
            await repo.add_office("Never")

    begun: list[str] = []
    await store._db.set_trace_callback(begun.append)  # statements as they start to run
    task = asyncio.create_task(write())
    await in_begin(begun)  # it is in BEGIN, waiting for the other writer
    assert not task.done()
    task.cancel()
    other.execute("COMMIT")
    with pytest.raises(asyncio.CancelledError):
        await task
    async with store.transaction() as repo:
        await repo.add_office("Main")
        assert [o.name for o in await repo.list_offices()] == ["Main"]
    other.close()
    await store.close()


async def test_texts_written_before_the_peer_column_are_found_by_it(tmp_path: Path) -> None:
    """Migration 14 fills the new column from what older versions kept in the detail."""
    path = tmp_path / "old.db"
    store = await SqliteStore.open(path)
    try:
        async with store.transaction() as repo:
            _, alice, _ = await _people(repo)
            ann = await repo.add_contact(NewContact("Ann", (ContactPhone("+12125550199"),), T0))
            for direction, detail in (
                (Direction.OUTBOUND, {"to": "+12125550199", "text": "hello"}),
                (Direction.INBOUND, {"from": "+12125550199", "text": "STOP", "keyword": "STOP"}),
            ):
                await repo.add_activity(
                    NewActivity(ann.id, ActivityKind.TEXT, direction, T0, alice.id, detail=detail)
                )
    finally:
        await store.close()
    async with aiosqlite.connect(path) as db:  # back to the schema before migration 14
        await db.execute("DROP INDEX activities_text_peer")
        await db.execute("ALTER TABLE activities DROP COLUMN peer")
        await db.execute("DELETE FROM schema_migrations WHERE version = 14")
        await db.commit()
    store = await SqliteStore.open(path)
    try:
        async with store.transaction() as repo:
            [sent] = await repo.agent_texts(alice.id, T0)
            [received] = await repo.texts_from(["+12125550199"], T0)
    finally:
        await store.close()
    assert (sent.to, sent.body) == ("+12125550199", "hello")
    assert (received.sender, received.keyword) == ("+12125550199", "STOP")


async def test_a_snapshot_does_not_wait_for_a_write_of_its_own_process(tmp_path: Path) -> None:
    """Reads have a connection of their own: while this store's transaction waits for the
    write lock (held by another process here), a snapshot still reads at once."""
    import sqlite3

    path = tmp_path / "locked.db"
    store = await SqliteStore.open(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with store.transaction() as repo:
            await repo.add_office("Main")

    begun: list[str] = []
    await store._db.set_trace_callback(begun.append)
    task = asyncio.create_task(write())
    await in_begin(begun)  # the writer waits for the other process
    try:
        async with asyncio.timeout(2), store.snapshot() as repo:
            assert await repo.list_offices() == []
        assert not task.done()
    finally:
        other.execute("ROLLBACK")
        other.close()
    await task
    async with store.snapshot() as repo:  # what was written is read at once after
        assert [o.name for o in await repo.list_offices()] == ["Main"]
    await store.close()


def test_a_queue_floor_looked_for_by_a_claimer_whose_clock_lags_is_still_recent() -> None:
    """Claimers read `now` before keeping their batch, so one's look may come after
    another's `now`: that look is recent, not a reason to look from nothing again."""
    from smartnumber.storage.sql.texting import FLOOR_FULL_MS, FLOOR_MS, _lately

    at = 1_000_000_000
    assert _lately(at, at - FLOOR_MS + 1, FLOOR_MS)
    assert not _lately(at, at - FLOOR_MS, FLOOR_MS)  # a second ago: look again
    assert _lately(at, at + 5_000, FLOOR_MS)  # another claimer, ahead of this one
    assert not _lately(at, at + FLOOR_FULL_MS, FLOOR_MS)  # a clock far off: look again


async def test_the_routing_decisions_read_uses_both_partial_indexes(store: SqliteStore) -> None:
    """The decision's one read (routing_reads.LATEST) must find the latest conversation
    and outbound activity through their partial indexes: a change to either condition
    that drops to a scan of every activity fails here, not at 10 M activities."""
    from smartnumber.storage.sql import routing_reads

    params = ["+12125550199", 0, "+12125550199"]
    async with store._db.execute(f"EXPLAIN QUERY PLAN {routing_reads.LATEST}", params) as cursor:
        detail = " | ".join(row[3] for row in await cursor.fetchall())
    for index in ("activities_latest_conversation", "activities_latest_outbound"):
        assert f"USING INDEX {index}" in detail, detail
