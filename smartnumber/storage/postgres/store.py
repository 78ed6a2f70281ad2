"""The PostgreSQL store: a pool of psycopg connections, migrations, transactions.

Several services (one per Asterisk node) may open the same database. A write
transaction is PostgreSQL's default READ COMMITTED: the SQL that must not race says so
itself (conditional updates, compare-and-set, claims that take turns per queue and pass
over rows another holds). A snapshot is REPEATABLE READ, READ ONLY: it never waits for a
writer, nor makes one wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from ...errors import StorageError, StorageUnavailable
from ..migrations import shipped
from ..sql import SqlRepository
from ..urls import shown
from .connection import PostgresConnection, channel, translated

log = logging.getLogger("smartnumber.storage")

POOL_SIZE = 10  # connections per process; ?pool_size= in the URL changes it
CONNECT_SECONDS = 5.0  # a pooled connection, or StorageError: callers fail open meanwhile
LOCK_TIMEOUT = "5s"  # as SQLite's busy_timeout: then StorageBusy
IDLE_IN_TRANSACTION = "60s"  # a client that hung inside a transaction lets go of its locks
MIGRATION_LOCK = 0x534E4D47  # "SNMG": one node migrates at a time


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    await conn.execute(
        f"SET lock_timeout = '{LOCK_TIMEOUT}';"
        f" SET idle_in_transaction_session_timeout = '{IDLE_IN_TRANSACTION}';"
        " SET TIME ZONE 'UTC'"
    )


def _reason(exc: psycopg.Error) -> str:
    text = str(exc).strip()
    text = text.split("failed: ", 1)[-1] if text.startswith("connection") else text
    return (text.splitlines() or [type(exc).__name__])[0]


class PostgresStore:
    """A pool of connections to one PostgreSQL database; a transaction is one of them."""

    POOL_SIZE = POOL_SIZE

    def __init__(self, pool: AsyncConnectionPool[Any], url: str) -> None:
        self._pool = pool
        self._url = url

    @classmethod
    async def open(cls, conninfo: str, *, pool_size: int = POOL_SIZE) -> PostgresStore:
        """Connect (the password from ~/.pgpass or PGPASSFILE, never the command line)
        and bring the schema up to date."""
        try:  # one connection first: libpq's own reason in one line, before any pool
            first = await psycopg.AsyncConnection.connect(
                conninfo, connect_timeout=int(CONNECT_SECONDS)
            )
        except psycopg.Error as exc:
            raise StorageError(f"cannot connect: {_reason(exc)}") from None
        await first.close()
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=pool_size,
            timeout=CONNECT_SECONDS,
            # Server-side binding, each statement prepared once it is used a few times:
            # as fast as asyncpg on the routing decision (bench/postgres.py).
            kwargs={"autocommit": True},
            configure=_configure,
            open=False,
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_SECONDS)
        except PoolTimeout:
            await pool.close()
            raise StorageError("cannot connect: no connection within the timeout") from None
        store = cls(pool, conninfo)
        try:
            await store._migrate()
        except BaseException:
            await pool.close()
            raise
        return store

    async def _migrate(self) -> list[int]:
        applied = []
        async with self._connection() as conn:
            try:
                await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
                try:
                    await conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER"
                        " PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
                    )
                    cursor = await conn.execute("SELECT version FROM schema_migrations")
                    done = {row[0] for row in await cursor.fetchall()}
                    for migration in shipped("postgresql"):
                        if migration.version in done:
                            continue
                        async with conn.transaction():
                            await conn.execute(migration.sql.encode())
                            await conn.execute(
                                "INSERT INTO schema_migrations (version, name, applied_at)"
                                " VALUES (%s, %s, now()::text)",
                                (migration.version, migration.name),
                            )
                        applied.append(migration.version)
                finally:
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
            except psycopg.Error as exc:
                raise translated(exc, "the database could not be migrated") from None
        return applied

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        try:
            async with self._pool.connection() as conn:
                yield conn
        except PoolTimeout:
            raise StorageUnavailable(f"cannot reach the database {shown(self._url)}") from None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlRepository]:
        async with self._begun("BEGIN") as repo:
            yield repo

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[SqlRepository]:
        async with self._begun("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") as repo:
            yield repo

    @asynccontextmanager
    async def _begun(self, begin_sql: str) -> AsyncIterator[SqlRepository]:
        async with self._connection() as conn:
            db = PostgresConnection(conn, begin_sql)  # BEGIN goes with the first statement
            try:
                yield SqlRepository(db)
            except BaseException as exc:
                if db.begun:
                    with contextlib.suppress(psycopg.Error):
                        await conn.execute("ROLLBACK")
                if isinstance(exc, psycopg.Error):
                    raise translated(exc, "the database refused a change") from None
                raise
            notify = "".join(f"NOTIFY {c}; " for c in sorted(db.topics))
            if not db.begun and not notify:
                return  # nothing was asked: nothing to end
            try:
                await conn.execute(notify + ("COMMIT" if db.begun else ""))
            except psycopg.Error as exc:
                with contextlib.suppress(psycopg.Error):
                    await conn.execute("ROLLBACK")
                raise translated(exc, "the database could not commit") from None

    @asynccontextmanager
    async def listen(self, topic: str, wake: Callable[[], None]) -> AsyncIterator[None]:
        """LISTEN on a connection of its own (not the pool's), reconnecting after a
        loss; every notification, and every reconnection (news may have been missed),
        calls wake()."""
        task = asyncio.create_task(self._listening(channel(topic), wake))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listening(self, name: str, wake: Callable[[], None]) -> None:
        pause = 1.0
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True, connect_timeout=int(CONNECT_SECONDS)
                )
                async with conn:
                    await conn.execute(f"LISTEN {name}")
                    wake()
                    pause = 1.0
                    async for _ in conn.notifies():
                        wake()
            except psycopg.Error as exc:
                log.debug("listening for %s: %s", name, exc)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 30.0)

    async def close(self) -> None:
        await self._pool.close()
