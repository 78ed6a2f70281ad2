"""PostgreSQL's throughput while another transaction is held open.

    python -m bench.held_open --seconds 60

A session that opens a transaction and then idles (a report left open in psql, a stuck
client) holds back the oldest snapshot: vacuum cannot clean the queues' dead rows
while it lasts, and claims must step over them. On a private cluster (lab/postgres.py),
4 workers (4 stores) each queue texts and claim and settle them in a loop, and routing
decisions (`route explain`) run beside them, for `--seconds` as they are, then for as
long again while another connection holds a REPEATABLE READ transaction open, idle,
having read the outbox. Writes bench/results/held_open.json: texts settled and
decisions made per second in each phase, and their ratio (goal: >= 80 %).
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import psycopg

from bench.routing import machine
from lab.postgres import Cluster
from smartnumber.calls import inbound
from smartnumber.model import RoutingMode, Scope, TextStatus
from smartnumber.storage import Store, open_store
from smartnumber.storage.repository import NewAgent, NewSmartNumber, NewText

RESULTS = Path(__file__).parent / "results"
NUMBER = "+12125550100"
WORKERS = 4
BATCH = 50
WINDOW = 10.0  # seconds


async def provision(store: Store) -> None:
    """Two agents on a round-robin number (the decisions' callers are all new)."""
    async with store.transaction() as repo:
        office = await repo.add_office("Main")
        agents = [
            (await repo.add_agent(NewAgent(n, f"+1212555010{i}", None, office.id))).id
            for i, n in enumerate(("Ann", "Ben"))
        ]
        number = await repo.add_number(NewSmartNumber(NUMBER, Scope.OFFICE, office.id))
        await repo.set_number_routing(number.id, RoutingMode.ROUND_ROBIN, agents)


async def phase(stores: list[Store], seconds: float) -> dict[str, float]:
    """Run the workers and a decision loop for `seconds`; what each did per second."""
    settled = decided = 0
    deadline = time.perf_counter() + seconds

    async def texts(store: Store, name: str, base: int) -> None:
        nonlocal settled
        n = 0
        while time.perf_counter() < deadline:
            now = datetime.now(UTC)
            async with store.transaction() as repo:
                for _ in range(BATCH):
                    n += 1
                    to = f"+1310{base + n % 1000:07d}"
                    await repo.queue_text(NewText(NUMBER, to, f"t{n}", "sent", now))
            async with store.transaction() as repo:
                got = await repo.claim_due_texts(name, now, now + timedelta(minutes=2), BATCH)
            async with store.transaction() as repo:
                for text in got:
                    await repo.text_done(text.id, TextStatus.SENT, now, worker=name)
            settled += len(got)

    async def decisions(store: Store) -> None:
        nonlocal decided
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            async with store.snapshot() as repo:
                await inbound.explain(repo, NUMBER, f"+1415{n % 100:07d}", datetime.now(UTC))
            decided += 1

    windows: list[int] = []  # texts settled per second, each WINDOW seconds

    async def watch() -> None:
        seen = 0
        while time.perf_counter() < deadline:
            await asyncio.sleep(min(WINDOW, max(0.0, deadline - time.perf_counter())))
            windows.append(round((settled - seen) / WINDOW))
            seen = settled

    start = time.perf_counter()
    await asyncio.gather(
        *(texts(s, f"w{i}", 1_000_000 * (i + 1)) for i, s in enumerate(stores)),
        decisions(stores[0]),
        watch(),
    )
    took = time.perf_counter() - start
    return {
        "texts_per_s": round(settled / took),
        "decisions_per_s": round(decided / took),
        "texts_per_s_by_window": windows,
    }


async def run(url: str, seconds: float) -> dict[str, Any]:
    stores = [await open_store(url) for _ in range(WORKERS)]
    try:
        await provision(stores[0])
        baseline = await phase(stores, seconds)
        with psycopg.connect(url, autocommit=True) as held:
            held.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            held.execute("SELECT count(*) FROM text_outbox").fetchone()  # its snapshot taken
            during = await phase(stores, seconds)
            held.execute("ROLLBACK")
    finally:
        for store in stores:
            await store.close()
    return {
        "seconds": seconds,
        "workers": WORKERS,
        "baseline": baseline,
        "held_open": during,
        "texts_kept": round(during["texts_per_s"] / baseline["texts_per_s"], 2),
        "decisions_kept": round(during["decisions_per_s"] / baseline["decisions_per_s"], 2),
    }


@click.command()
@click.option("--seconds", default=60.0, show_default=True, help="Each phase's length.")
@click.option("--explain-over", "explain_ms", type=int, default=None,
              help="Print the plan of every statement slower than this many ms.")  # fmt: skip
def main(seconds: float, explain_ms: int | None) -> None:
    """Throughput with and without a transaction held open (see the module's text)."""
    cluster = Cluster.start()
    try:
        if explain_ms is not None:
            with (cluster.data / "postgresql.conf").open("a") as conf:
                conf.write("session_preload_libraries = 'auto_explain'\n")
                conf.write(f"auto_explain.log_min_duration = '{explain_ms}ms'\n")
            cluster.psql("SELECT pg_reload_conf()")
        url = cluster.new_database("held")
        result = asyncio.run(run(url, seconds))
        if explain_ms is not None:
            slow = cluster.log.read_text(encoding="utf-8").split("LOG:  duration: ")[1:]
            for plan in slow[-5:]:
                click.echo(plan, err=True)
            click.echo(f"{len(slow)} statements over {explain_ms} ms", err=True)
    finally:
        cluster.stop()
    result.update(machine=machine(), at=datetime.now(UTC).isoformat(timespec="seconds"))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "held_open.json").write_text(json.dumps(result, indent=2) + "\n")
    click.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
