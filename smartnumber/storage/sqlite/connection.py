"""aiosqlite as the repository's Connection: sqlite3's errors come out as the
repository's own, at the statement that raised them."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiosqlite

from ...errors import StorageBusy, StorageError
from ..sql.statements import Row, RuleBroken, Statement


def translated(exc: sqlite3.Error, doing: str) -> Exception:
    """sqlite3's error as the repository's own."""
    if isinstance(exc, sqlite3.IntegrityError):
        return RuleBroken(str(exc))
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return StorageBusy(f"{doing}: it is locked by another process")
    return StorageError(f"{doing}: {exc}")


class SqliteConnection:
    """One aiosqlite connection inside a transaction the store began."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    # execute_fetchall is one trip to aiosqlite's thread; execute + fetch + close is three.
    async def fetch(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        try:
            return list(await self._db.execute_fetchall(sql, params))
        except sqlite3.Error as exc:
            raise translated(exc, "the database failed a query") from None

    async def fetch_each(self, statements: Sequence[Statement]) -> list[list[Row]]:
        def each(db: sqlite3.Connection) -> list[list[Row]]:
            return [list(db.execute(sql, params).fetchall()) for sql, params in statements]

        try:
            # aiosqlite's own helpers queue work for its thread so: one hop for them all.
            rows: list[list[Row]] = await self._db._execute(  # type: ignore[no-untyped-call]
                lambda: each(self._db._conn)
            )
            return rows
        except sqlite3.Error as exc:
            raise translated(exc, "the database failed a query") from None

    async def execute(self, sql: str, params: tuple[Any, ...]) -> int:
        try:
            cursor = await self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise translated(exc, "the database refused a change") from None
        changed = cursor.rowcount
        await cursor.close()
        return changed

    async def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        try:
            await self._db.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise translated(exc, "the database refused a change") from None

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
