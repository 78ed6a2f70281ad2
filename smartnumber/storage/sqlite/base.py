"""The SQLite store's footing: errors translated into the repository's own, times as
milliseconds, and the statement helpers every part runs its SQL through."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from ...errors import Conflict, StorageBusy, StorageError


def translated(exc: sqlite3.Error, doing: str) -> Exception:
    """sqlite3's error as the repository's own."""
    if isinstance(exc, sqlite3.IntegrityError):
        return Conflict(f"that breaks a rule of the data model ({exc})")
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return StorageBusy(f"{doing}: it is locked by another process")
    return StorageError(f"{doing}: {exc}")


def to_millis(moment: datetime) -> int:
    """A timezone-aware datetime as integer milliseconds since the epoch."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return int(moment.timestamp() * 1000)


def from_millis(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


class Statements:
    """What every part of the repository runs its SQL through, over one open transaction."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    # -- helpers -------------------------------------------------------------

    # Every statement goes through these, so sqlite3's errors leave as the repository's own
    # (Conflict, StorageBusy, StorageError) at the statement that raised them.

    # execute_fetchall is one trip to aiosqlite's thread; execute + fetch + close is three.
    async def _one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        return next(iter(await self._all(sql, params)), None)

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        try:
            return list(await self._db.execute_fetchall(sql, tuple(params)))
        except sqlite3.Error as exc:
            raise translated(exc, "the database failed a query") from None

    async def _exec(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        try:
            return await self._db.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise translated(exc, "the database refused a change") from None

    async def _exec_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        try:
            await self._db.executemany(sql, [tuple(r) for r in rows])
        except sqlite3.Error as exc:
            raise translated(exc, "the database refused a change") from None

    async def _insert(self, sql: str, params: Iterable[Any], what: str) -> int:
        try:
            cursor = await self._db.execute(sql, tuple(params))
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"{what} already exists or breaks a rule ({exc})") from None
        except sqlite3.Error as exc:
            raise translated(exc, f"the database refused {what}") from None
        rowid = cursor.lastrowid
        await cursor.close()
        assert rowid is not None
        return rowid
