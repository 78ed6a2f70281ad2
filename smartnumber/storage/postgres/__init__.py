"""PostgreSQL implementation of the storage interface (psycopg 3 and its pool), for
several services (one per Asterisk node) sharing one database.

store.py opens the pool and hands out transactions; connection.py runs the repository's
SQL (storage/sql/, shared with SQLite) on psycopg.
"""

from .store import PostgresStore

__all__ = ["PostgresStore"]
