"""Bulk loading for benchmarks and migrations from another system: millions of rows.

Uses the standard library's sqlite3 directly (no per-row await), drops the secondary
indexes while loading and rebuilds them after, all in one transaction per table.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

ContactRow = tuple[int, str, int | None, int]  # id, name, owner agent id, created ms
PhoneRow = tuple[int, str]  # contact id, E.164
ActivityRow = tuple[int, int | None, str, str, int]  # contact, agent, kind, direction, at ms
Progress = Callable[[int], None]

_BATCH = 50_000


def _batches(rows: Iterable[Any], size: int = _BATCH) -> Iterator[list[Any]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


class BulkLoader:
    """Open on a database already migrated by SqliteStore; load, then close."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(str(path), isolation_level=None)
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("PRAGMA cache_size = -262144")  # 256 MiB while loading

    def close(self) -> None:
        self._db.execute("PRAGMA optimize")
        self._db.close()

    def agents(self, names: Iterable[tuple[str, str, int | None, bool]]) -> list[int]:
        """(name, cell, office id, admin) -> the new agents' ids."""
        ids = []
        self._db.execute("BEGIN")
        for name, cell, office_id, admin in names:
            cursor = self._db.execute(
                "INSERT INTO agents (name, cell, office_id, admin) VALUES (?, ?, ?, ?)",
                (name, cell, office_id, int(admin)),
            )
            ids.append(int(cursor.lastrowid or 0))
        self._db.execute("COMMIT")
        return ids

    def attach_endpoints(self, sip_contact: str) -> int:
        """Give every agent without a SIP endpoint one (PJSIP/agent<id>) reaching a phone at
        sip_contact; returns how many were changed. For load tests: one sipp answers all."""
        cursor = self._db.execute(
            "UPDATE agents SET endpoint = 'PJSIP/agent' || id, sip_contact = ?"
            " WHERE endpoint IS NULL",
            (sip_contact,),
        )
        return cursor.rowcount

    def office(self, name: str) -> int:
        cursor = self._db.execute("INSERT INTO offices (name) VALUES (?)", (name,))
        return int(cursor.lastrowid or 0)

    def number(self, e164: str, office_id: int, fallback_agent_id: int | None) -> int:
        cursor = self._db.execute(
            "INSERT INTO smart_numbers (e164, scope, office_id, fallback_agent_id)"
            " VALUES (?, 'office', ?, ?)",
            (e164, office_id, fallback_agent_id),
        )
        return int(cursor.lastrowid or 0)

    def contacts(
        self,
        contacts: Iterable[ContactRow],
        phones: Iterable[PhoneRow],
        progress: Progress | None = None,
    ) -> None:
        with self._indexes_dropped(("contacts", "contact_phones")):
            for batch in _batches(contacts):
                self._db.executemany(
                    "INSERT INTO contacts (id, name, owner_agent_id, created_at, source)"
                    " VALUES (?, ?, ?, ?, 'bulk')",
                    batch,
                )
                if progress:
                    progress(len(batch))
            for batch in _batches(phones):
                self._db.executemany(
                    "INSERT INTO contact_phones (contact_id, e164) VALUES (?, ?)", batch
                )

    def activities(self, rows: Iterable[ActivityRow], progress: Progress | None = None) -> None:
        detail = json.dumps({})
        with self._indexes_dropped(("activities",)):
            for batch in _batches(rows):
                self._db.executemany(
                    "INSERT INTO activities (contact_id, agent_id, kind, direction, at, detail)"
                    f" VALUES (?, ?, ?, ?, ?, '{detail}')",
                    batch,
                )
                if progress:
                    progress(len(batch))

    def _indexes_dropped(self, tables: tuple[str, ...]) -> _Reindex:
        return _Reindex(self._db, tables)


class _Reindex:
    """Inside: one transaction with the tables' secondary indexes dropped; rebuilt after."""

    def __init__(self, db: sqlite3.Connection, tables: tuple[str, ...]) -> None:
        self._db = db
        marks = ",".join("?" * len(tables))
        self._indexes = db.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({marks})",
            tables,
        ).fetchall()

    def __enter__(self) -> None:
        self._db.execute("BEGIN")
        for name, _ in self._indexes:
            self._db.execute(f'DROP INDEX "{name}"')

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is not None:
            self._db.execute("ROLLBACK")
            return
        for _, sql in self._indexes:
            self._db.execute(sql)
        self._db.execute("COMMIT")
        self._db.execute("ANALYZE")
