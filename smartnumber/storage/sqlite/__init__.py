"""SQLite implementation of the storage interface (aiosqlite, WAL, foreign keys on).

store.py opens the database and hands out transactions; connection.py runs the
repository's SQL (storage/sql/, shared with PostgreSQL) on aiosqlite.
"""

from ..sql import from_millis, to_millis
from .store import SqliteStore

__all__ = ["SqliteStore", "from_millis", "to_millis"]
