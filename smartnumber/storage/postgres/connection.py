"""psycopg 3 as the repository's Connection: the shared SQL's `?` placeholders become
psycopg's, PostgreSQL's errors come out as the repository's own."""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import psycopg
from psycopg import errors as pg
from psycopg.pq import ExecStatus

from ...errors import StorageBusy, StorageError, StorageUnavailable
from ..sql.statements import Row, RuleBroken, Statement

_TOPIC = re.compile(r"^[a-z_]{1,40}$")


def channel(topic: str) -> str:
    """The LISTEN/NOTIFY channel of a topic (our own fixed names only)."""
    if not _TOPIC.match(topic):
        raise ValueError(f"not a topic: {topic!r}")
    return f"smartnumber_{topic}"


_PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|%")


@functools.lru_cache(maxsize=1024)
def dialect(sql: str) -> str:
    """The shared SQL in psycopg's terms: `?` outside string literals is `%s`, a literal
    `%` is `%%` (the statements are few and fixed, so each is translated once)."""

    def one(match: re.Match[str]) -> str:
        found = match.group(0)
        return {"?": "%s", "%": "%%"}.get(found, found)

    return _PLACEHOLDER.sub(one, sql)


def _value(value: Any) -> Any:
    # SQLite takes True for 1; the schema's flags are integers in PostgreSQL too.
    return int(value) if isinstance(value, bool) else value


def translated(exc: psycopg.Error, doing: str) -> Exception:
    """psycopg's error as the repository's own."""
    if isinstance(exc, pg.IntegrityError):
        return RuleBroken(exc.diag.message_primary or str(exc))
    if isinstance(
        exc, pg.LockNotAvailable | pg.SerializationFailure | pg.DeadlockDetected | pg.QueryCanceled
    ):
        return StorageBusy(f"{doing}: it is locked by another process")
    if isinstance(exc, psycopg.OperationalError):
        return StorageUnavailable(f"{doing}: the database is not reachable ({_first_line(exc)})")
    return StorageError(f"{doing}: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _rows(cursor: psycopg.AsyncCursor[Any]) -> bool:
    """Did the statement return rows? (Asking cursor.description builds every column's
    description, a measurable cost on the routing decision's path.)"""
    result = cursor.pgresult
    return result is not None and result.status == ExecStatus.TUPLES_OK


class PostgresConnection:
    """One pooled connection inside a transaction the store begins: its BEGIN goes with
    the first statement, in the same trip (a pipeline), or not at all if none comes."""

    def __init__(self, db: psycopg.AsyncConnection[Any], begin: str) -> None:
        self._db = db
        self._begin: str | None = begin  # until sent
        self.topics: set[str] = set()  # notified with the COMMIT, in the same trip

    @property
    def begun(self) -> bool:
        return self._begin is None

    async def _run(self, *statements: Statement) -> list[psycopg.AsyncCursor[Any]]:
        """The statements (and the BEGIN, if not sent yet) in one trip."""
        begin, self._begin = self._begin, None
        if begin is None and len(statements) == 1:
            sql, params = statements[0]
            return [await self._db.execute(dialect(sql), tuple(map(_value, params)))]
        async with self._db.pipeline():  # sent together, their results read together
            if begin is not None:
                await self._db.execute(begin)
            cursors = [
                await self._db.execute(dialect(sql), tuple(map(_value, params)))
                for sql, params in statements
            ]
        return cursors

    async def _begun(self) -> None:
        if self._begin is not None:
            await self._run()

    async def fetch(self, sql: str, params: tuple[Any, ...]) -> list[Row]:
        return (await self.fetch_each([(sql, params)]))[0]

    async def fetch_each(self, statements: Sequence[Statement]) -> list[list[Row]]:
        try:
            cursors = await self._run(*statements)
            return [list(await c.fetchall()) if _rows(c) else [] for c in cursors]
        except psycopg.Error as exc:
            raise translated(exc, "the database failed a query") from None

    async def execute(self, sql: str, params: tuple[Any, ...]) -> int:
        try:
            [cursor] = await self._run((sql, params))
        except psycopg.Error as exc:
            raise translated(exc, "the database refused a change") from None
        return max(cursor.rowcount, 0)

    async def execute_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        try:
            await self._begun()
            async with self._db.cursor() as cursor:
                await cursor.executemany(dialect(sql), [tuple(map(_value, r)) for r in rows])
        except psycopg.Error as exc:
            raise translated(exc, "the database refused a change") from None

    async def serialise(self, queue: str) -> None:
        # Claimers of one queue take turns (the lock ends with the transaction), so each
        # sees the leases the one before it committed: no two claim one item, and one
        # recipient's texts are never split between two workers out of order.
        key = zlib.crc32(f"smartnumber:claims:{queue}".encode())
        await self.fetch("SELECT pg_advisory_xact_lock(?)", (key,))

    def skip_locked(self, alias: str) -> str:
        return f" FOR UPDATE OF {alias} SKIP LOCKED"

    def for_update(self) -> str:
        return " FOR UPDATE"

    def notify(self, topic: str) -> None:
        self.topics.add(channel(topic))

    # -- whole tables (storage/copy.py) ---------------------------------------

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
            " AND table_schema = current_schema() ORDER BY ordinal_position",
            (table,),
        )
        return [r[0] for r in rows]

    async def stream(self, sql: str, size: int) -> AsyncIterator[list[Row]]:
        try:
            await self._begun()
            async with self._db.cursor(name="smartnumber_copy") as cursor:
                await cursor.execute(sql)
                while rows := await cursor.fetchmany(size):
                    yield list(rows)
        except psycopg.Error as exc:
            raise translated(exc, "the database failed a query") from None

    async def copy_in(self, table: str, columns: list[str], rows: list[Row]) -> None:
        try:
            await self._begun()
            async with self._db.cursor() as cursor:
                statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                async with cursor.copy(statement) as copy:
                    for row in rows:
                        await copy.write_row(tuple(map(_value, row)))
        except psycopg.Error as exc:
            raise translated(exc, "the database refused a change") from None

    async def numbered_from(self, table: str) -> None:
        # Rows copied with their ids: each identity goes on after the largest one.
        for column in await self.columns(table):
            found = await self.fetch("SELECT pg_get_serial_sequence(?, ?)", (table, column))
            if found and found[0][0]:
                await self.fetch(
                    f"SELECT setval(?, COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1,"
                    " false)",
                    (found[0][0],),
                )
