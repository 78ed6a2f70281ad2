"""The storage boundary: the only place that knows a database.

open_store(url) gives a Store (repository.py's interface) for "sqlite:///path" or a
plain path (the embedded default), or for "postgresql://user@host/db" (several nodes on
one database). Both run the same SQL (sql/) and pass the same contract tests
(tests/contract/). The repository raises
its own errors (errors.py: Conflict, StorageBusy, StorageError), never a driver's.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UserError
from . import urls
from .repository import Repository, Store
from .urls import shown

__all__ = ["Repository", "Store", "home", "open_store", "shown", "sqlite_path"]


def sqlite_path(url: str | Path) -> Path | None:
    """The database file a URL names, if it is SQLite (a plain path is)."""
    text = str(url)
    if text.startswith("sqlite:///"):
        return Path(text.removeprefix("sqlite://"))
    if "://" in text:
        return None
    return Path(text)


def home(url: str | Path) -> Path:
    """Where an installation's files (media) live unless settings say otherwise: beside
    a SQLite database, else the current directory."""
    path = sqlite_path(url)
    return (path.resolve().parent if path else Path.cwd()).resolve()


async def open_store(url: str | Path, *, create: bool = True) -> Store:
    """Open (and migrate) the store a URL names; with create=False, a database that is
    not there yet is a one-line error rather than a new empty one."""
    path = sqlite_path(url)
    if path is None:
        text = str(url)
        if not urls.is_postgres(text):
            scheme = text.split("://", 1)[0]
            raise UserError(
                f"{scheme}:// databases are not supported; use a file (SQLite) or postgresql://"
            )
        from .postgres import PostgresStore  # psycopg is loaded only when it is used

        conninfo, pool_size = urls.split_pool_size(text, PostgresStore.POOL_SIZE)
        return await PostgresStore.open(conninfo, pool_size=pool_size)
    if not create and not path.exists():
        raise UserError(f"no database at {path}; run `smartnumber init` first (or pass --db)")
    from .sqlite import SqliteStore  # the driver is loaded only when it is used

    return await SqliteStore.open(path)
