"""Numbered schema migrations, one folder per database, applied in order, each in its own
transaction (SQLite's here; PostgreSQL's by storage/postgres/store.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import aiosqlite

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def sqlite_migrations() -> list[Migration]:
    """The shipped SQLite migrations, in version order."""
    return shipped("sqlite")


def shipped(dialect: str) -> list[Migration]:
    """The migrations shipped for one database ("sqlite", "postgresql"), in order."""
    found = []
    for entry in resources.files(__package__).joinpath(dialect).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n without gaps: {versions}")
    return found


async def apply_migrations(db: aiosqlite.Connection) -> list[int]:
    """Bring the schema up to date; returns the versions applied now."""
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    async with db.execute("SELECT version FROM schema_migrations") as cursor:
        done = {row[0] for row in await cursor.fetchall()}
    applied = []
    for migration in sqlite_migrations():
        if migration.version in done:
            continue
        # executescript commits first and runs statements one by one: wrap it ourselves so
        # a failing migration leaves nothing behind.
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n"
            "INSERT INTO schema_migrations (version, name, applied_at)"
            f" VALUES ({migration.version}, '{migration.name}', datetime('now'));\n"
            "COMMIT;"
        )
        try:
            await db.executescript(script)
        except Exception:
            if db.in_transaction:
                await db.execute("ROLLBACK")
            raise
        applied.append(migration.version)
    return applied
