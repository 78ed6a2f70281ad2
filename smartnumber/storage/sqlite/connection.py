"""aiosqlite as the repository's Connection: sqlite3's errors come out as the
repository's own, at the statement that raised them."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

import aiosqlite

from ...errors import StorageBusy, StorageError
from ..sql.statements import Row, RuleBroken, Statement

_QUERY = "the database failed a query"
_CHANGE = "the database refused a change"
T = TypeVar("T")


class _NotBegun(Exception):
    def __init__(self, error: sqlite3.Error) -> None:
        self.error = error


def translated(exc: sqlite3.Error, doing: str) -> Exception:
    """sqlite3's error as the repository's own."""
    if isinstance(exc, sqlite3.IntegrityError):
        return RuleBroken(str(exc))
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return StorageBusy(f"{doing}: it is locked by another process")
    return StorageError(f"{doing}: {exc}")


class SqliteConnection:
    """One aiosqlite connection inside a transaction the store began.

    The store's BEGIN rides on the first statement's hop to aiosqlite's thread (each hop
    costs both threads a wake-up): `begin` is sent with it, and `begun` says whether it
    was, so the store knows whether there is anything to commit or roll back."""

    def __init__(self, db: aiosqlite.Connection, begin: str | None = None) -> None:
        self._db = db
        self._begin = begin
        self.begun = begin is None

    async def _hop(self, work: Callable[[sqlite3.Connection], T], doing: str) -> T:
        begin, self._begin = self._begin, None
        self.begun = True  # from here on, even if this hop is cancelled: it still runs

        def run(db: sqlite3.Connection) -> T:
            if begin is not None:
                try:
                    db.execute(begin)
                except sqlite3.Error as exc:
                    raise _NotBegun(exc) from None
            return work(db)

        try:
            # aiosqlite's own helpers queue work for its thread so.
            result: T = await self._db._execute(lambda: run(self._db._conn))  # type: ignore[no-untyped-call]
            return result
        except _NotBegun as exc:
            raise translated(exc.error, "the database could not start a transaction") from None
        except sqlite3.Error as exc:
            raise translated(exc, doing) from None

    async def fetch(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        return await self._hop(lambda db: list(db.execute(sql, params).fetchall()), _QUERY)

    async def fetch_each(self, statements: Sequence[Statement]) -> list[list[Row]]:
        def each(db: sqlite3.Connection) -> list[list[Row]]:
            return [list(db.execute(sql, params).fetchall()) for sql, params in statements]

        return await self._hop(each, _QUERY)

    async def execute(self, sql: str, params: tuple[Any, ...]) -> int:
        return await self._hop(lambda db: db.execute(sql, params).rowcount, _CHANGE)

    async def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        await self._hop(lambda db: db.executemany(sql, rows), _CHANGE)

    async def serialise(self, queue: str) -> None:
        return None  # BEGIN IMMEDIATE: one writer at a time already

    def skip_locked(self, alias: str) -> str:
        return ""  # no row locks in SQLite

    def for_update(self) -> str:
        return ""  # BEGIN IMMEDIATE: the whole database is ours already

    def notify(self, topic: str) -> None:
        return None  # other processes poll a SQLite file (and wake their own)

    # -- whole tables (storage/copy.py) ---------------------------------------

    async def columns(self, table: str) -> list[str]:
        return [r[1] for r in await self.fetch(f"PRAGMA table_info({table})", ())]

    async def stream(self, sql: str, size: int) -> AsyncIterator[list[Row]]:
        if self._begin is not None:  # the transaction starts before the first rows
            await self._hop(lambda db: None, _QUERY)
        try:
            async with self._db.execute(sql) as cursor:
                while True:
                    rows: list[Row] = list(await cursor.fetchmany(size))
                    if not rows:
                        return
                    yield rows
        except sqlite3.Error as exc:
            raise translated(exc, "the database failed a query") from None

    async def copy_in(self, table: str, columns: list[str], rows: list[Row]) -> None:
        marks = ", ".join("?" * len(columns))
        insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        await self.execute_many(insert, [tuple(r) for r in rows])

    async def numbered_from(self, table: str) -> None:
        return None  # a rowid goes on from the largest one there
