"""The CRM's door at scale: `smartnumber api` on the benchmark store, driven over HTTP.

    python -m bench.api --contacts 1000000 --activities 10000000

On the benchmark store (bench/routing.py builds it), starts `smartnumber api` as its own
process and measures, from a client on loopback (httpx):
  timeline   GET /v1/contacts/{id}/timeline?limit=50 for random contacts, one at a
             time: latency percentiles, HTTP included;
  upsert     POST /v1/contacts/bulk, 1,000 contacts a request: new contacts (fresh
             external ids), then the same batches again (updates by external id);
  webhooks   with the api process stopped, events written to the outbox as the domain
             writes them (events.publish, one transaction each, over 1,000 contacts);
             then the api process starts and delivers them, signed, to a receiver in
             this process that verifies every one with the standardwebhooks library:
             events a second, from its start to the last one received.
Writes bench/results/api.json; `python -m bench.report` renders docs/performance.md.
Each run adds its upserted contacts and its events to the store.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

import click
import httpx

from bench import dataset
from bench.routing import NOW, percentiles, store_options, write_result
from lab.receiver import Receiver
from lab.system import System
from smartnumber import clock
from smartnumber.storage.sqlite import SqliteStore
from smartnumber.webhooks import events

BENCH = Path(__file__).parent


async def timeline_reads(
    client: httpx.AsyncClient, contacts: int, reads: int, rng: random.Random
) -> dict[str, float]:
    ids = [rng.randrange(1, contacts + 1) for _ in range(reads)]
    for contact_id in ids[:100]:  # warm the page cache and the code paths
        (
            await client.get(f"/v1/contacts/{contact_id}/timeline", params={"limit": 50})
        ).raise_for_status()
    samples = []
    for contact_id in ids:
        start = time.perf_counter()
        answer = await client.get(f"/v1/contacts/{contact_id}/timeline", params={"limit": 50})
        samples.append(time.perf_counter() - start)
        answer.raise_for_status()
    return percentiles(samples)


def bench_phone(n: int) -> str:
    """The n-th of a million numbers (exchanges 80x of ten area codes) that neither the
    store nor the routing bench's leads use."""
    area = dataset.AREA_CODES[n // 100_000 % 10]
    return f"+1{area}80{n // 10_000 % 10}{n % 10_000:04d}"


async def bulk_upserts(client: httpx.AsyncClient, batches: int, run: int) -> dict[str, Any]:
    """New contacts (numbers nobody has: each run takes its own block of them, so runs
    do not find each other's contacts), then the same again as updates."""
    block = run % 100 * 10_000
    made = [
        [
            {
                "name": f"Bench {run} {b}-{i}",
                "phones": [bench_phone(block + (b * 1000 + i) % 10_000)],
                "external_id": f"bench-{run}-{b}-{i}",
            }
            for i in range(1000)
        ]
        for b in range(batches)
    ]
    figures: dict[str, Any] = {}
    for label, expect_new in (("create", True), ("update", False)):
        seconds = []
        for batch in made:
            start = time.perf_counter()
            answer = await client.post("/v1/contacts/bulk", json={"contacts": batch}, timeout=60)
            seconds.append(time.perf_counter() - start)
            answer.raise_for_status()
            results = answer.json()["results"]
            assert all(r["created"] is expect_new for r in results), label
            if label == "update":
                for item in batch:
                    item["name"] += " (updated)"
        total = sum(seconds)
        figures[label] = {
            "contacts": 1000 * len(made),
            "seconds": round(total, 3),
            "contacts_per_second": round(1000 * len(made) / total),
            "request_p50_ms": percentiles(seconds)["p50_ms"],
            "request_max_ms": percentiles(seconds)["max_ms"],
        }
    return figures


async def webhook_delivery(
    system: System, store_path: Path, count: int, contacts: int
) -> dict[str, Any]:
    """With the api process stopped, `count` events are written to the outbox as the
    domain writes them; then the api process starts and delivers them: events a second
    from its start to the last one received (and verified)."""
    receiver = Receiver()
    await receiver.start()
    try:
        made = json.loads(
            system.cli("webhook", "add", receiver.url, "--events", "lead.created", "--json").output
        )
        receiver.secret = made["secret"]
        store = await SqliteStore.open(store_path)
        try:
            start = time.perf_counter()
            for n in range(count):
                async with store.transaction() as repo:
                    await events.publish(
                        repo,
                        events.LEAD_CREATED,
                        {"bench": n},
                        at=clock.now(),
                        contact_id=1 + (n % contacts),
                    )
            written = time.perf_counter() - start
        finally:
            await store.close()
        start = time.perf_counter()
        await asyncio.to_thread(system.start_api)
        deadline = time.monotonic() + 600
        while len(receiver.received) < count:
            assert time.monotonic() < deadline, f"{len(receiver.received)} of {count}"
            await asyncio.sleep(0.02)
        total = time.perf_counter() - start
        ids = {r.webhook_id for r in receiver.received}
        system.stop_api()
        for made_now in json.loads(system.cli("webhook", "list", "--json").output):
            system.cli("webhook", "remove", str(made_now["id"]))  # its receiver goes now
        return {
            "events": count,
            "contacts": contacts,
            "write_seconds": round(written, 3),
            "writes_per_second": round(count / written),
            "seconds": round(total, 3),
            "events_per_second": round(count / total),
            "unique": len(ids),
            "unverified": len(receiver.refused),
        }
    finally:
        await receiver.stop()


async def measure(
    store: Path, contacts: int, reads: int, batches: int, webhook_events: int, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    system = System.create(database=store)
    # Subscriptions left by earlier runs point at receivers long gone: remove them, or
    # the api process spends this run retrying them.
    for old in json.loads(system.cli("webhook", "list", "--json").output):
        system.cli("webhook", "remove", str(old["id"]))
    try:
        token = system.token(f"bench-{int(time.time())}", "integration")
        # One client timing requests back to back: latency is measured, not the limit.
        system.cli("settings", "set", "api.rate_limit", "100000")
        system.start_api()
        async with httpx.AsyncClient(
            base_url=system.api_url, headers={"authorization": f"Bearer {token}"}, timeout=30
        ) as client:
            click.echo("  timeline reads", err=True)
            timeline = await timeline_reads(client, contacts, reads, rng)
            click.echo("  bulk upserts", err=True)
            upserts = await bulk_upserts(client, batches, int(time.time()) // 60)
        system.stop_api()
        click.echo("  webhook delivery", err=True)
        delivered = await webhook_delivery(system, store, webhook_events, min(contacts, 1000))
        return {"timeline": timeline, "upsert": upserts, "webhooks": delivered}
    finally:
        system.close()


@click.command()
@store_options(BENCH / "results" / "api.json")
@click.option("--reads", default=5000, show_default=True, help="Timeline reads to time.")
@click.option("--batches", default=10, show_default=True, help="Bulk requests of 1,000.")
@click.option("--events", "webhook_events", default=10000, show_default=True)
def main(
    contacts: int,
    activities: int,
    reads: int,
    batches: int,
    webhook_events: int,
    db_dir: Path,
    out_file: Path,
    seed: int,
) -> None:
    """Time the HTTP API and webhook delivery on the benchmark store."""
    store, built = dataset.ensure_store(db_dir, contacts, activities, NOW, seed)
    click.echo(f"store: {store}", err=True)
    figures = asyncio.run(measure(store, contacts, reads, batches, webhook_events, seed))
    write_result(
        out_file,
        "api",
        contacts=contacts,
        activities=activities,
        build_seconds=built,
        **figures,
    )


if __name__ == "__main__":
    main()
