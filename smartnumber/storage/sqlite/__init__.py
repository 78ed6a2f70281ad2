"""SQLite implementation of the storage interface (aiosqlite, WAL, foreign keys on).

store.py opens the database and hands out transactions; the repository is assembled from
one part per concern (organisation, contacts, texting, carriers, records, crm), each running its
SQL through base.Statements and reading rows back through rows.py.
"""

from .base import from_millis, to_millis
from .store import SqliteRepository, SqliteStore

__all__ = ["SqliteRepository", "SqliteStore", "from_millis", "to_millis"]
