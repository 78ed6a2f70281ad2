"""The SQLite store: opening (private file, WAL, migrations) and transactions."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from ...errors import StorageError
from ..migrations import apply_migrations
from ..sql import SqlRepository
from .connection import SqliteConnection, translated


def _private(path: Path) -> None:
    """Create the database file 0600 if it is new; take group and other rights away from
    it and its WAL/SHM files if it is not (best effort on files someone else owns)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)


READERS = 2  # snapshots at once: SQLite runs a query without the GIL, one on each core


class SqliteStore:
    """aiosqlite connections: one for transactions, serialised on it, and READERS for
    snapshots (WAL lets readers read beside the writer and each other), so a read never
    waits for a write of this process or another's -- the API's reads, say, while its
    rate limit waits for the write lock -- and decisions read side by side."""

    def __init__(
        self, connection: aiosqlite.Connection, readers: list[aiosqlite.Connection]
    ) -> None:
        self._db, self._readers = connection, readers
        self._lock = asyncio.Lock()
        self._free: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        for reader in readers:
            self._free.put_nowait(reader)

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        """Open (creating if needed) and migrate the database at path. It holds secrets, so
        it is made readable by its owner only (SQLite gives its -wal and -shm files the
        database's mode), and an existing one left readable by others is tightened."""
        try:
            _private(Path(path))
        except OSError as exc:
            raise StorageError(f"cannot open the database {path}: {exc.strerror}") from None
        try:
            db = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {path}: {exc}") from None
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA busy_timeout = 5000")
            await apply_migrations(db)
        except BaseException as exc:
            await db.close()
            if isinstance(exc, sqlite3.Error):
                raise translated(exc, f"cannot open the database {path}") from None
            raise
        readers: list[aiosqlite.Connection] = []
        try:
            for _ in range(READERS):
                readers.append(await aiosqlite.connect(str(path), isolation_level=None))
                await readers[-1].execute("PRAGMA query_only = ON")
                await readers[-1].execute("PRAGMA busy_timeout = 5000")
        except BaseException as exc:
            for reader in readers:
                await reader.close()
            await db.close()
            if isinstance(exc, sqlite3.Error):
                raise translated(exc, f"cannot open the database {path}") from None
            raise
        return cls(db, readers)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlRepository]:
        """One transaction; sqlite3's errors come out as Conflict, StorageBusy (locked for
        longer than busy_timeout) or StorageError: no caller needs to know it is SQLite.
        It takes the write lock at once (BEGIN IMMEDIATE): a writer never finds, halfway
        through, that another got there first."""
        async with self._lock, self._on(self._db, "BEGIN IMMEDIATE") as repo:
            yield repo

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[SqlRepository]:
        """A consistent read that takes no write lock (BEGIN DEFERRED, on a query_only
        reader): writers, this process's or another's (the routing service), never wait
        for it, nor it for them."""
        reader = await self._free.get()  # the reader free longest; waiters in turn
        try:
            async with self._on(reader, "BEGIN DEFERRED") as repo:
                yield repo
        finally:
            self._free.put_nowait(reader)

    @asynccontextmanager
    async def _on(self, db: aiosqlite.Connection, begin_sql: str) -> AsyncIterator[SqlRepository]:
        """One transaction on this connection, begun by `begin_sql`."""
        # BEGIN goes with the first statement (SqliteConnection): one hop fewer.
        connection = SqliteConnection(db, begin_sql)
        try:
            yield SqlRepository(connection)
        except BaseException as exc:
            # A hop cancelled on the way goes on in aiosqlite's thread; this ROLLBACK
            # is queued after it, so the connection is never left in a transaction.
            if connection.begun:
                with contextlib.suppress(sqlite3.Error):
                    await db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise translated(exc, "the database refused a change") from None
            raise
        if not connection.begun:
            return  # nothing was read or written: nothing to end
        try:
            await db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                await db.execute("ROLLBACK")
            raise translated(exc, "the database could not commit") from None

    @asynccontextmanager
    async def listen(self, topic: str, wake: Callable[[], None]) -> AsyncIterator[None]:
        yield  # no news between processes on a file: listeners' polling finds the work

    async def close(self) -> None:
        for reader in self._readers:
            await reader.close()
        await self._db.close()
