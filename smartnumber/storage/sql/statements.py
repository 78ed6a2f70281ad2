"""What every part of the repository runs its SQL through, whichever database it is.

The SQL in this package is written once, with `?` placeholders, in the part of SQL that
SQLite and PostgreSQL share (ON CONFLICT, RETURNING, COALESCE, window functions). A
driver (storage/sqlite/, storage/postgres/) gives it a Connection: it runs a statement
and translates its database's errors into the repository's own (Conflict, StorageBusy,
StorageError), so nothing here knows which database answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from ...errors import Conflict

Row = Sequence[Any]  # one result row, read by position
Statement = tuple[str, tuple[Any, ...]]  # SQL and its parameters
T = TypeVar("T")


class RuleBroken(Conflict):
    """A change the schema refused (a unique key, a check): raised by drivers, with the
    database's own words as `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"that breaks a rule of the data model ({reason})")
        self.reason = reason


class Connection(Protocol):
    """One open transaction of some database, as the repository's SQL needs it."""

    async def fetch(self, sql: str, params: tuple[Any, ...]) -> list[Row]: ...

    async def fetch_each(self, statements: Sequence[Statement]) -> list[list[Row]]:
        """Several reads that do not depend on one another, in one trip to the database
        (PostgreSQL's pipeline; one hop to SQLite's thread): each one's rows, in order."""
        ...

    async def execute(self, sql: str, params: tuple[Any, ...]) -> int:
        """Run a statement; how many rows it changed."""
        ...

    async def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None: ...

    async def serialise(self, queue: str) -> None:
        """Until this transaction ends, no other transaction claims from `queue` (a
        no-op where every write transaction is serialised already, as SQLite's are)."""
        ...

    def skip_locked(self, alias: str) -> str:
        """What ends a SELECT of rows about to be claimed: rows another transaction
        holds are passed over, not waited for ("" where there are no row locks)."""
        ...

    def for_update(self) -> str:
        """What ends a SELECT of a row about to be changed: others who would change it
        wait for this transaction ("" where writers are serialised, as in SQLite)."""
        ...

    def notify(self, topic: str) -> None:
        """When this transaction commits, wake whoever listens for `topic` in other
        processes (Store.listen): a hint, so no one need poll to find it soon."""
        ...

    # whole tables, for copying one database into another (storage/copy.py)

    async def columns(self, table: str) -> list[str]: ...

    def stream(self, sql: str, size: int) -> AsyncIterator[list[Row]]:
        """A long SELECT's rows, `size` at a time, never all in memory."""
        ...

    async def numbered_from(self, table: str) -> None:
        """After rows were copied in with their ids: new ids follow the largest."""
        ...

    async def copy_in(self, table: str, columns: list[str], rows: list[Row]) -> None:
        """Many rows into a table at once (PostgreSQL's COPY)."""
        ...


def to_millis(moment: datetime) -> int:
    """A timezone-aware datetime as integer milliseconds since the epoch."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return int(moment.timestamp() * 1000)


def from_millis(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


class Statements:
    """The statement helpers, over one open transaction."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        return next(iter(await self._all(sql, params)), None)

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return await self._db.fetch(sql, tuple(params))

    async def _each(self, *statements: tuple[str, Iterable[Any]]) -> list[list[Row]]:
        return await self._db.fetch_each([(sql, tuple(params)) for sql, params in statements])

    async def _exec(self, sql: str, params: Iterable[Any] = ()) -> int:
        return await self._db.execute(sql, tuple(params))

    # service_state: the services' own bookkeeping, one value per key
    async def _state(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM service_state WHERE key = ?", (key,))
        return str(row[0]) if row else None

    async def _set_state(self, key: str, value: str) -> None:
        await self._exec(
            "INSERT INTO service_state (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def _exec_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self._db.execute_many(sql, [tuple(r) for r in rows])

    async def _insert(self, sql: str, params: Iterable[Any], what: str) -> int:
        """An INSERT of one row into a table with an `id` the database numbers; that id."""
        row = await self._refused_as(what, self._one(sql + " RETURNING id", params))
        assert row is not None
        return int(row[0])

    async def _add(self, sql: str, params: Iterable[Any], what: str) -> None:
        """An INSERT of one row into a table keyed otherwise (a code, a file's name)."""
        await self._refused_as(what, self._exec(sql, params))

    async def _claim(
        self, table: str, ids: Sequence[int], worker: str, now: int, until: int, *, ours: bool
    ) -> list[int]:
        """Lease the rows `ids` of `table` to `worker` until `until` (ms) where no live
        lease of another holds them still (nor ours, unless `ours`); the ids now held.
        Claims begin with serialise(table) and a SELECT ending in skip_locked()."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        mine = " OR claimed_by = ?" if ours else ""
        rows = await self._all(
            f"UPDATE {table} SET claimed_by = ?, lease_until = ? WHERE id IN ({marks})"
            f" AND (lease_until IS NULL OR lease_until <= ?{mine}) RETURNING id",
            [worker, until, *ids, now, *([worker] if ours else [])],
        )
        return sorted(int(r[0]) for r in rows)

    @staticmethod
    async def _refused_as(what: str, statement: Awaitable[T]) -> T:
        try:
            return await statement
        except RuleBroken as exc:
            raise Conflict(f"{what} already exists or breaks a rule ({exc.reason})") from None
