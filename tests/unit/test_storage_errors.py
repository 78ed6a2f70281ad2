"""The repository speaks its own errors: Conflict, StorageBusy, StorageError.

Nothing outside storage/ may import a database driver, so no caller can depend on
sqlite3's exceptions (the PostgreSQL store will raise the same ones).
"""

from __future__ import annotations

import ast
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smartnumber.errors import Conflict, StorageBusy, StorageError
from smartnumber.model import ActivityKind, Direction, RoutingMode
from smartnumber.storage.repository import NewActivity
from smartnumber.storage.sqlite import SqliteStore

PACKAGE = Path(__file__).resolve().parents[2] / "smartnumber"
DRIVERS = {"sqlite3", "aiosqlite", "asyncpg", "psycopg", "psycopg2"}
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_no_module_outside_storage_imports_a_database_driver() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "storage" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in DRIVERS]
    assert offenders == []


async def test_a_broken_rule_is_a_conflict_not_a_driver_error(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "sn.db")
    try:
        with pytest.raises(Conflict):
            async with store.transaction() as repo:
                await repo.add_activity(  # no contact 999: a foreign key
                    NewActivity(
                        contact_id=999,
                        kind=ActivityKind.NOTE,
                        direction=Direction.INTERNAL,
                        at=T0,
                    )
                )
        with pytest.raises(Conflict):
            async with store.transaction() as repo:
                await repo.set_number_routing(12345, RoutingMode.AGENT, [777])
        async with store.transaction() as repo:  # rolled back: the store still works
            assert await repo.list_offices() == []
    finally:
        await store.close()


async def test_a_database_locked_elsewhere_is_storage_busy(tmp_path: Path) -> None:
    path = tmp_path / "sn.db"
    store = await SqliteStore.open(path)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("PRAGMA busy_timeout = 0")
        other.execute("BEGIN EXCLUSIVE")
        store_busy = store._db  # the store waits busy_timeout; shorten it for the test
        await store_busy.execute("PRAGMA busy_timeout = 100")
        with pytest.raises(StorageBusy):
            async with store.transaction() as repo:
                await repo.add_office("Never")
        other.execute("COMMIT")
        async with store.transaction() as repo:
            await repo.add_office("Main")
    finally:
        other.close()
        await store.close()


async def test_a_file_that_is_not_a_database_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just text that is long enough to have a header\n" * 20)
    with pytest.raises(StorageError, match="cannot open the database"):
        await SqliteStore.open(path)
