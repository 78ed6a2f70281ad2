"""PostgreSQL beside SQLite: the routing decision, the two drivers, and claims.

    python -m bench.postgres --contacts 1000000 --activities 10000000 --callers 10000

Builds (or reuses) the SQLite bench store, copies it into a private PostgreSQL cluster
(lab/postgres.py, as `smartnumber migrate` does), then measures on the same random
callers (70% known, 30% unknown):
  - decision: what `route explain` does, on SQLite and on PostgreSQL (psycopg 3 store);
  - drivers: the very statements that decision runs (recorded), replayed through a
    psycopg 3 pool and through an asyncpg pool, so only the driver differs;
  - claims: texts claimed and settled per second by 4 workers (4 stores), and the time
    from a text's commit to its claim.
Writes bench/results/postgres.json.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import psycopg

from bench import dataset
from bench.routing import NOW, machine, percentiles
from lab.postgres import Cluster
from smartnumber.calls import inbound as calls
from smartnumber.model import TextStatus
from smartnumber.storage import Store, open_store
from smartnumber.storage.copy import copy_store
from smartnumber.storage.repository import NewText
from smartnumber.storage.sql import SqlRepository

RESULTS = Path(__file__).parent / "results"
WARM_UP = 2000  # decisions for other callers before the timed ones


def picks(contacts: int, callers: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    offices = max(1, contacts // 100_000)
    return [
        (
            dataset.office_number(rng.randrange(offices)),
            dataset.phone_of(rng.randrange(contacts))
            if rng.random() < 0.7
            else dataset.unknown_phone(rng.randrange(10**6)),
        )
        for _ in range(callers)
    ]


async def decisions(
    store: Store, calls_to: list[tuple[str, str]], warm: list[tuple[str, str]]
) -> dict[str, float]:
    """Timed over `calls_to`, after decisions for other callers (`warm`): a service that
    has been answering calls a while."""
    for did, caller in warm:
        async with store.snapshot() as repo:
            await calls.explain(repo, did, caller, NOW)
    samples = []
    for did, caller in calls_to:
        start = time.perf_counter()
        async with store.snapshot() as repo:
            await calls.explain(repo, did, caller, NOW)
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


class Recording:
    """A Connection that records each statement (and its parameters) it passes on, and
    how many trips to the database they took (a batch of them is one)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.seen, self.trips = inner, [], 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def fetch(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        self.seen.append((sql, params))
        self.trips += 1
        return await self.inner.fetch(sql, params)

    async def fetch_each(self, statements: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        self.seen.extend(statements)
        self.trips += 1
        return await self.inner.fetch_each(statements)


async def statements(
    store: Store, calls_to: list[tuple[str, str]]
) -> tuple[list[list[Any]], list[int]]:
    """The statements each decision runs, as it runs them, and its trips."""
    recorded, trips = [], []
    for did, caller in calls_to:
        async with store.snapshot() as repo:
            sql_repo = repo if isinstance(repo, SqlRepository) else None
            assert sql_repo is not None
            recorder = Recording(sql_repo.connection)
            sql_repo._db = recorder  # type: ignore[assignment]
            await calls.explain(repo, did, caller, NOW)
            recorded.append(recorder.seen)
            trips.append(recorder.trips)
    return recorded, trips


def numbered(sql: str) -> str:
    count = iter(range(1, 1000))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


async def with_psycopg(
    url: str, recorded: list[list[Any]], *, prepared: bool, pipelined: bool = False
) -> dict[str, float]:
    """Bound by the client, or bound and prepared by the server; one at a time, or all
    (with the BEGIN) in one pipeline, as the store sends them."""
    import psycopg
    from psycopg_pool import AsyncConnectionPool

    from smartnumber.storage.postgres.connection import dialect

    kwargs: dict[str, Any] = {"autocommit": True}
    if prepared:
        kwargs["prepare_threshold"] = 0
    else:
        kwargs["cursor_factory"] = psycopg.AsyncClientCursor
    async with AsyncConnectionPool(url, min_size=2, max_size=2, kwargs=kwargs) as pool:
        samples = []
        for n, run in enumerate(recorded):
            start = time.perf_counter()
            async with pool.connection() as conn:
                if pipelined:
                    async with conn.pipeline():
                        await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        cursors = [await conn.execute(dialect(sql), p) for sql, p in run]
                    for cursor in cursors:
                        await cursor.fetchall()
                else:
                    await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    for sql, params in run:
                        await (await conn.execute(dialect(sql), params)).fetchall()
                await conn.execute("COMMIT")
            if n >= 200:
                samples.append(time.perf_counter() - start)
    return percentiles(samples)


async def with_asyncpg(url: str, recorded: list[list[Any]]) -> dict[str, float]:
    import asyncpg

    pool = await asyncpg.create_pool(url, min_size=2, max_size=2)
    try:
        samples = []
        for n, run in enumerate(recorded):
            start = time.perf_counter()
            async with (
                pool.acquire() as conn,
                conn.transaction(isolation="repeatable_read", readonly=True),
            ):
                for sql, params in run:
                    await conn.fetch(numbered(sql), *params)
            if n >= 200:
                samples.append(time.perf_counter() - start)
    finally:
        await pool.close()
    return percentiles(samples)


async def claims(url: str, texts: int, workers: int) -> dict[str, Any]:
    """`texts` queued, then claimed and settled by `workers` stores at once."""
    stores = [await open_store(url) for _ in range(workers)]
    try:
        at = datetime.now(UTC)
        async with stores[0].transaction() as repo:
            for n in range(texts):
                await repo.queue_text(
                    NewText("+12125550100", f"+1310555{n % 500:04d}", f"t{n}", "sent", at)
                )
        async with stores[0].transaction() as repo:  # as autovacuum would, soon after
            await repo.connection.execute("ANALYZE text_outbox", ())  # type: ignore[attr-defined]
        done = 0

        async def work(store: Store, name: str) -> None:
            nonlocal done
            while True:
                now = datetime.now(UTC)
                async with store.transaction() as repo:
                    got = await repo.claim_due_texts(name, now, now + timedelta(minutes=2), 50)
                if not got:
                    return
                async with store.transaction() as repo:
                    for text in got:
                        await repo.text_done(text.id, TextStatus.SENT, now, worker=name)
                done += len(got)

        start = time.perf_counter()
        await asyncio.gather(*(work(s, f"w{n}") for n, s in enumerate(stores)))
        seconds = time.perf_counter() - start
        latency = []
        for n in range(200):  # one text committed, then claimed by a worker polling it
            now = datetime.now(UTC)
            start = time.perf_counter()
            async with stores[0].transaction() as repo:
                await repo.queue_text(NewText("+12125550100", "+13105559999", f"l{n}", "sent", now))
            async with stores[1].transaction() as repo:
                got = await repo.claim_due_texts("w1", now, now + timedelta(minutes=2), 5)
                for text in got:
                    await repo.text_done(text.id, TextStatus.SENT, now, worker="w1")
            latency.append(time.perf_counter() - start)
    finally:
        for store in stores:
            await store.close()
    return {
        "texts": done,
        "workers": workers,
        "seconds": round(seconds, 2),
        "texts_per_s": round(done / seconds),
        "enqueue_to_claim": percentiles(latency),
    }


@click.command()
@click.option("--contacts", default=100_000, show_default=True)
@click.option("--activities", default=1_000_000, show_default=True)
@click.option("--callers", default=10_000, show_default=True)
@click.option("--texts", default=20_000, show_default=True)
@click.option("--seed", default=7, show_default=True)
@click.option(
    "--db",
    "db_dir",
    default="bench/out",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option("--out", default=str(RESULTS / "postgres.json"), show_default=True,
              type=click.Path(dir_okay=False, path_type=Path))  # fmt: skip
def main(
    contacts: int, activities: int, callers: int, texts: int, seed: int, db_dir: Path, out: Path
) -> None:
    """PostgreSQL beside SQLite on the bench store (see the module's text)."""
    path, built = dataset.ensure_store(db_dir, contacts, activities, NOW, seed)
    cluster = Cluster.start()
    try:
        url = cluster.new_database("bench")
        result = asyncio.run(run(path, url, contacts, callers, texts, seed))
    finally:
        cluster.stop()
    at = datetime.now(UTC).isoformat(timespec="seconds")
    result.update(machine=machine(), built_seconds=built, contacts=contacts,
                  activities=activities, at=at)  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    click.echo(json.dumps(result, indent=2))


async def copied(sqlite: Store, postgres: Store, url: str) -> float:
    """Copy the bench store into PostgreSQL (as `smartnumber migrate` does), then VACUUM;
    the seconds the copy took."""
    start = time.perf_counter()
    with click.progressbar(length=1, label="copying the store into PostgreSQL") as bar:
        counted = await copy_store(
            sqlite, postgres, started=lambda n: setattr(bar, "length", n), copied=bar.update
        )
    copy_seconds = time.perf_counter() - start
    assert all(c.ok for c in counted)
    # What autovacuum would soon do to the copied tables (and would do meanwhile, on
    # this 2-core box, beside what is measured): done first, and waited for.
    with click.progressbar(length=1, label="VACUUM after the copy") as bar:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            await conn.execute("VACUUM")
        bar.update(1)
    return copy_seconds


async def run(path: Path, url: str, contacts: int, callers: int, texts: int, seed: int) -> Any:
    sqlite, postgres = await open_store(path), await open_store(url)
    try:
        copy_seconds = await copied(sqlite, postgres, url)
        calls_to = picks(contacts, callers, seed)
        result: dict[str, Any] = {"copy_seconds": round(copy_seconds, 1)}
        warm = picks(contacts, WARM_UP, seed + 1)
        result["decision_sqlite"] = await decisions(sqlite, calls_to, warm)
        result["decision_postgres"] = await decisions(postgres, calls_to, warm)
        recorded, trips = await statements(postgres, calls_to)
        result["statements_per_decision"] = round(sum(map(len, recorded)) / len(recorded), 2)
        result["trips_per_decision"] = round(sum(trips) / len(trips), 2)
    finally:
        await sqlite.close()
        await postgres.close()
    result["driver_psycopg"] = await with_psycopg(url, recorded, prepared=False)
    result["driver_psycopg_prepared"] = await with_psycopg(url, recorded, prepared=True)
    result["driver_psycopg_pipelined"] = await with_psycopg(
        url, recorded, prepared=True, pipelined=True
    )
    result["driver_asyncpg"] = await with_asyncpg(url, recorded)
    result["claims"] = await claims(url, texts, 4)
    return result


if __name__ == "__main__":
    main()
