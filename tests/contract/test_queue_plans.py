"""PostgreSQL plans of the outbox's hot statements, as a prepared statement's generic
plan would run them (psycopg prepares a statement after a few runs): each reads the
rows it names by the primary key, never through a partial index of queued texts. While
another transaction stays open, such an index is full of dead entries nobody can clean,
and a plan that walks it cut texts sent to 5 % (docs/performance.md, held_open)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql as pgsql

from smartnumber.model import TextStatus
from smartnumber.storage import open_store
from smartnumber.storage.postgres.connection import dialect
from smartnumber.storage.repository import NewText
from smartnumber.storage.sql import SqlRepository

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class Recording:
    """A Connection that records the writes it passes on."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.seen = inner, list[tuple[str, tuple[Any, ...]]]()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def execute(self, sql: str, params: tuple[Any, ...]) -> int:
        self.seen.append((sql, tuple(params)))
        return int(await self.inner.execute(sql, params))


@pytest.mark.parametrize("status", [TextStatus.SENT, TextStatus.FAILED])
async def test_settling_a_text_reads_it_by_its_key_in_a_generic_plan(
    postgres_url: str, status: TextStatus
) -> None:
    store = await open_store(postgres_url)
    try:
        async with store.transaction() as repo:
            await repo.queue_text(NewText("+12125550100", "+13105550101", "hi", "sent", T0))
            [text] = await repo.claim_due_texts("w1", T0, T0 + timedelta(minutes=1), 1)
            assert isinstance(repo, SqlRepository)
            recorder = Recording(repo.connection)
            repo._db = recorder  # type: ignore[assignment]
            if status is TextStatus.SENT:
                assert await repo.text_done(text.id, status, T0, worker="w1")
            else:
                assert await repo.text_attempted(text.id, "refused", None, worker="w1")
        [(sql, params)] = recorder.seen
    finally:
        await store.close()
    with psycopg.connect(postgres_url) as db:  # prepared as psycopg prepares it, then
        db.execute("SET plan_cache_mode = force_generic_plan")  # its generic plan shown
        db.execute(dialect(sql), params, prepare=True)
        [(name,)] = db.execute("SELECT name FROM pg_prepared_statements").fetchall()
        values = pgsql.SQL(", ").join(pgsql.Literal(v) for v in params)
        explain = pgsql.SQL("EXPLAIN EXECUTE {}({})").format(pgsql.Identifier(name), values)
        plan = "\n".join(r[0] for r in db.execute(explain))
        db.rollback()
    assert "text_outbox_pkey" in plan, plan
