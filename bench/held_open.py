"""PostgreSQL's throughput while another transaction is held open.

    python -m bench.held_open --seconds 60

A session that opens a transaction and then idles (a report left open in psql, a stuck
client) holds back the oldest snapshot: vacuum cannot clean the queues' dead rows
while it lasts, and claims must step over them. On a private cluster (lab/postgres.py),
4 workers (4 stores) each run the three queues a service drains -- queue texts, claim and
settle them; keep inbound texts, claim and handle them; queue webhook events, claim and
settle their deliveries -- in loops, and routing decisions (`route explain`) run beside
them, for `--seconds` as they are, then for as long again while another connection holds
a REPEATABLE READ transaction open, idle, having read the queues. Writes
bench/results/held_open.json: what each queue settled and the decisions made per second
in each phase, and their ratios (goal: each >= 80 %).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import psycopg

from bench.routing import machine
from lab.postgres import Cluster
from smartnumber.calls import inbound
from smartnumber.model import RoutingMode, Scope, TextStatus
from smartnumber.storage import Repository, Store, open_store
from smartnumber.storage.repository import (
    NewAgent,
    NewInboundText,
    NewSmartNumber,
    NewText,
    NewWebhook,
    NewWebhookEvent,
)

RESULTS = Path(__file__).parent / "results"
MEASURES = ("texts", "inbound", "deliveries", "decisions")
NUMBER = "+12125550100"
WORKERS = 4
BATCH = 50
WINDOW = 10.0  # seconds
KEYS = itertools.count()  # message keys and event ids, unique across phases and runs


async def provision(store: Store) -> list[int]:
    """Two agents on a round-robin number (the decisions' callers are all new), and a
    webhook subscription for each worker; their ids."""
    async with store.transaction() as repo:
        office = await repo.add_office("Main")
        agents = [
            (await repo.add_agent(NewAgent(n, f"+1212555010{i}", None, office.id))).id
            for i, n in enumerate(("Ann", "Ben"))
        ]
        number = await repo.add_number(NewSmartNumber(NUMBER, Scope.OFFICE, office.id))
        await repo.set_number_routing(number.id, RoutingMode.ROUND_ROBIN, agents)
        now = datetime.now(UTC)
        return [
            (await repo.add_webhook(NewWebhook(f"https://crm{i}.example.com/", (), "s", now))).id
            for i in range(WORKERS)
        ]


Keep = Callable[[Repository, int, datetime], Awaitable[object]]  # (repo, n, now): one queued
Claim = Callable[[Repository, datetime], Awaitable[list[Any]]]  # (repo, now): a batch claimed
Settle = Callable[[Repository, Any, datetime], Awaitable[object]]  # (repo, item, now): done


def queues(name: str, base: int, hook: int) -> dict[str, tuple[Keep, Claim, Settle]]:
    """How worker `name` keeps, claims and settles an item of each queue a service drains."""
    lease = timedelta(minutes=2)

    async def handle(repo: Repository, text: Any, now: datetime) -> None:
        if await repo.take_inbound_text(text.id, now):
            await repo.inbound_text_handled(text.id, now, "bench")

    return {
        "texts": (
            lambda repo, n, now: repo.queue_text(
                NewText(NUMBER, f"+1310{base + n % 1000:07d}", f"t{n}", "sent", now)
            ),
            lambda repo, now: repo.claim_due_texts(name, now, now + lease, BATCH),
            lambda repo, text, now: repo.text_done(text.id, TextStatus.SENT, now, worker=name),
        ),
        "inbound": (
            lambda repo, n, now: repo.keep_inbound_text(
                NewInboundText(
                    f"m{next(KEYS)}",
                    NUMBER,
                    f"+1646{base + n % 1000:07d}",
                    "",
                    "hi",
                    2,
                    "carrier",
                    now,
                )
            ),
            lambda repo, now: repo.claim_inbound_texts(name, now, now + lease, BATCH),
            handle,
        ),
        "deliveries": (
            lambda repo, n, now: repo.add_webhook_event(
                NewWebhookEvent(f"e{next(KEYS)}", "call.routed", now, "{}", n % 1000), [hook]
            ),
            lambda repo, now: repo.claim_deliveries(name, now, now + lease, BATCH, BATCH),
            lambda repo, d, now: repo.delivery_attempted(
                d.id,
                at=now,
                status_code=200,
                error=None,
                delivered=True,
                retry_at=None,
                worker=name,
            ),
        ),
    }


async def phase(stores: list[Store], hooks: list[int], seconds: float) -> dict[str, Any]:
    """Run the workers and a decision loop for `seconds`; what each did per second."""
    done = dict.fromkeys(MEASURES, 0)
    deadline = time.perf_counter() + seconds

    async def drain(store: Store, measure: str, keep: Keep, claim: Claim, settle: Settle) -> None:
        """Queue a batch, claim a batch, settle what was claimed; again until the end."""
        n = 0
        while time.perf_counter() < deadline:
            now = datetime.now(UTC)
            async with store.transaction() as repo:
                for _ in range(BATCH):
                    n += 1
                    await keep(repo, n, now)
            async with store.transaction() as repo:
                got = await claim(repo, now)
            async with store.transaction() as repo:
                for item in got:
                    await settle(repo, item, now)
            done[measure] += len(got)

    async def decisions(store: Store) -> None:
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            async with store.snapshot() as repo:
                await inbound.explain(repo, NUMBER, f"+1415{n % 100:07d}", datetime.now(UTC))
            done["decisions"] += 1

    windows: dict[str, list[int]] = {m: [] for m in MEASURES}  # per second, each WINDOW s

    async def watch() -> None:
        seen = dict.fromkeys(MEASURES, 0)
        while time.perf_counter() < deadline:
            await asyncio.sleep(min(WINDOW, max(0.0, deadline - time.perf_counter())))
            for m in MEASURES:
                windows[m].append(round((done[m] - seen[m]) / WINDOW))
            seen = dict(done)

    start = time.perf_counter()
    await asyncio.gather(
        *(
            drain(store, measure, *parts)
            for i, (store, hook) in enumerate(zip(stores, hooks, strict=True))
            for measure, parts in queues(f"w{i}", 1_000_000 * (i + 1), hook).items()
        ),
        decisions(stores[0]),
        watch(),
    )
    took = time.perf_counter() - start
    return {
        **{f"{m}_per_s": round(done[m] / took) for m in MEASURES},
        "by_window": windows,
    }


async def run(url: str, seconds: float) -> dict[str, Any]:
    stores = [await open_store(url) for _ in range(WORKERS)]
    try:
        hooks = await provision(stores[0])
        baseline = await phase(stores, hooks, seconds)
        with psycopg.connect(url, autocommit=True) as held:
            held.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            held.execute("SELECT count(*) FROM text_outbox").fetchone()  # its snapshot taken
            during = await phase(stores, hooks, seconds)
            held.execute("ROLLBACK")
    finally:
        for store in stores:
            await store.close()
    return {
        "seconds": seconds,
        "workers": WORKERS,
        "baseline": baseline,
        "held_open": during,
        **{
            f"{m}_kept": round(during[f"{m}_per_s"] / max(baseline[f"{m}_per_s"], 1), 2)
            for m in MEASURES
        },
    }


@click.command()
@click.option("--seconds", default=60.0, show_default=True, help="Each phase's length.")
@click.option(
    "--runs",
    default=1,
    show_default=True,
    help="Run it this many times (a new database each) and publish the median run"
    " (by its least kept measure), with every run's ratios.",
)
@click.option("--explain-over", "explain_ms", type=int, default=None,
              help="Print the plan of every statement slower than this many ms.")  # fmt: skip
def main(seconds: float, runs: int, explain_ms: int | None) -> None:
    """Throughput with and without a transaction held open (see the module's text)."""
    cluster = Cluster.start()
    try:
        if explain_ms is not None:
            with (cluster.data / "postgresql.conf").open("a") as conf:
                conf.write("session_preload_libraries = 'auto_explain'\n")
                conf.write(f"auto_explain.log_min_duration = '{explain_ms}ms'\n")
            cluster.psql("SELECT pg_reload_conf()")
        results = []
        for n in range(runs):
            results.append(asyncio.run(run(cluster.new_database(f"held{n}"), seconds)))
            cluster.psql(f"DROP DATABASE held{n}")  # its dead rows not vacuumed beside the next
            click.echo(
                f"run {n + 1} of {runs}: "
                + ", ".join(f"{m} {results[-1][f'{m}_kept']:.0%}" for m in MEASURES),
                err=True,
            )
            for phase in ("baseline", "held_open"):
                click.echo(f"  {phase} each {WINDOW:.0f} s: {results[-1][phase]['by_window']}",
                           err=True)  # fmt: skip
        results.sort(key=lambda r: min(r[f"{m}_kept"] for m in MEASURES))
        result = results[len(results) // 2]
        if runs > 1:
            result["runs_kept"] = {m: [r[f"{m}_kept"] for r in results] for m in MEASURES}
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
