"""Copying one installation's database into another (SQLite to PostgreSQL, or back).

Every table is copied whole, with its ids, in an order that keeps every reference
valid, inside one transaction of the target: a failure leaves the target as it was,
and the source is only ever read (one snapshot, so what is copied is consistent). The
target must be empty unless `replace` is asked for, which empties it first (in the
same transaction). Each table's rows are counted on both sides at the end, and the
target's statistics gathered (ANALYZE).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from ..errors import StorageError, UserError
from .repository import Store
from .sql import SqlRepository
from .sql.statements import Connection

# Parents before children (PostgreSQL's 0001 creates them in this order).
TABLES = [
    "offices",
    "teams",
    "agents",
    "carriers",
    "smart_numbers",
    "contacts",
    "contact_phones",
    "activities",
    "system_settings",
    "number_routing",
    "number_routing_agents",
    "recordings",
    "caller_ids",
    "text_opt_outs",
    "text_codes",
    "line_types",
    "brands",
    "campaigns",
    "number_registrations",
    "suspensions",
    "outbox",
    "text_outbox",
    "service_state",
    "api_tokens",
    "webhooks",
    "webhook_events",
    "webhook_deliveries",
    "carrier_receipts",
    "text_inbox",
    "optout_phrases",
    "text_holds",
    "number_identity",
    "consent_ledger",
    "call_requests",
    "rate_buckets",
]
BATCH = 2000


@dataclass(frozen=True)
class Counted:
    table: str
    source: int
    target: int

    @property
    def ok(self) -> bool:
        return self.source == self.target


def _connection(repo: object) -> Connection:
    return cast(SqlRepository, repo).connection


async def _counts(db: Connection) -> dict[str, int]:
    return {t: int((await db.fetch(f"SELECT COUNT(*) FROM {t}", ()))[0][0]) for t in TABLES}


async def copy_store(
    source: Store,
    target: Store,
    *,
    replace: bool = False,
    started: Callable[[int], None] = lambda total: None,
    copied: Callable[[int], None] = lambda rows: None,
) -> list[Counted]:
    """Copy every row of `source` into `target`; the count of each table on both sides.
    `started` hears how many rows there are, `copied` each batch's size (a progress bar)."""
    async with source.snapshot() as read, target.transaction() as write:
        src, dst = _connection(read), _connection(write)
        before = await _counts(src)
        held = {t: n for t, n in (await _counts(dst)).items() if n}
        if held and not replace:
            some = ", ".join(f"{t} ({n})" for t, n in list(held.items())[:3])
            raise UserError(
                f"the target database is not empty: {some}; pass --replace to empty it first"
            )
        for table in reversed(TABLES):
            if held.get(table):
                await dst.execute(f"DELETE FROM {table}", ())
        started(sum(before.values()))
        for table in TABLES:
            try:
                await _copy_table(src, dst, table, copied)
            except StorageError as exc:
                raise StorageError(f"copying {table}, nothing was kept: {exc}") from None
            await dst.numbered_from(table)
        after = await _counts(dst)
    # The planner's statistics of what was copied, at once: until autovacuum got to them,
    # PostgreSQL would plan over tables it believes empty.
    async with target.transaction() as write:
        await _connection(write).execute("ANALYZE", ())
    return [Counted(t, before[t], after[t]) for t in TABLES]


async def _copy_table(
    src: Connection, dst: Connection, table: str, copied: Callable[[int], None]
) -> None:
    theirs = await src.columns(table)
    wanted = await dst.columns(table)
    # SQLite's implicit rowid (the order rows were added) is a column in PostgreSQL's
    # contact_phones: read it from SQLite by name.
    columns = [c for c in wanted if c in theirs or c == "rowid"]
    missing = [c for c in theirs if c not in wanted and c != "rowid"]
    if missing:
        raise UserError(f"the target's {table} has no column {missing[0]}: is it migrated?")
    names = ", ".join(columns)
    order = " ORDER BY id" if "id" in columns else (" ORDER BY rowid" if "rowid" in columns else "")
    async for rows in src.stream(f"SELECT {names} FROM {table}{order}", BATCH):
        await dst.copy_in(table, columns, rows)
        copied(len(rows))
