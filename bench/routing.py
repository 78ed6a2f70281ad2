"""Routing decision latency at scale: storage lookup + rule, in process.

    python -m bench.routing --contacts 1000000 --activities 10000000 --callers 10000

Builds the store once (reused on later runs with the same sizes), then times, for
random callers (70% known contacts, 30% unknown numbers):
  - decision: what `route explain` does (facts from storage + the pure rules);
  - incoming: what the FastAGI handler does for a real call (decision + lead,
    round-robin turn and timeline entry, committed).
Writes bench/results/routing.json; `python -m bench.report` renders docs/performance.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import resource
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from bench import dataset
from smartnumber.calls import inbound as calls
from smartnumber.storage.sqlite import SqliteStore

F = TypeVar("F", bound=Callable[..., Any])
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
RESULTS = Path(__file__).parent / "results"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1] * 1000, 3),
        "n": len(ordered),
    }


async def measure(path: Path, contacts: int, callers: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    offices = max(1, contacts // 100_000)
    picks = [
        (
            dataset.office_number(rng.randrange(offices)),
            dataset.phone_of(rng.randrange(contacts))
            if rng.random() < 0.7
            else dataset.unknown_phone(rng.randrange(10**6)),
        )
        for _ in range(callers)
    ]
    store = await SqliteStore.open(path)
    try:
        for did, caller in picks[:200]:  # warm the page cache and the code paths
            async with store.transaction() as repo:
                await calls.explain(repo, did, caller, NOW)
        decision, rules = [], {}
        for did, caller in picks:
            start = time.perf_counter()
            async with store.transaction() as repo:
                result = await calls.explain(repo, did, caller, NOW)
            decision.append(time.perf_counter() - start)
            rules[result.rule.value] = rules.get(result.rule.value, 0) + 1
        incoming = []
        for did, caller in picks[: max(1, callers // 5)]:
            start = time.perf_counter()
            async with store.transaction() as repo:
                await calls.route_incoming(repo, did, caller, NOW)
            incoming.append(time.perf_counter() - start)
    finally:
        await store.close()
    return {"decision": percentiles(decision), "incoming": percentiles(incoming), "rules": rules}


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": platform.platform(),
    }


def store_options(default_out: Path) -> Callable[[F], F]:
    """The options every benchmark on the store takes: its sizes, where it is kept,
    where the results go, and the seed."""

    def apply(command: F) -> F:
        for option in reversed(
            (
                click.option("--contacts", default=1_000_000, show_default=True),
                click.option("--activities", default=10_000_000, show_default=True),
                click.option(
                    "--db",
                    "db_dir",
                    default="bench/out",
                    show_default=True,
                    type=click.Path(file_okay=False, path_type=Path),
                ),
                click.option(
                    "--out",
                    "out_file",
                    default=str(default_out),
                    show_default=True,
                    type=click.Path(dir_okay=False, path_type=Path),
                ),
                click.option("--seed", default=7, show_default=True),
            )
        ):
            command = option(command)
        return command

    return apply


def write_result(out_file: Path, module: str, **fields: Any) -> dict[str, Any]:
    """The results as JSON, with the command that made them, when, and on what machine."""
    result = {
        "command": f"python -m bench.{module} " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        **fields,
        "machine": machine(),
    }
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(result, indent=2) + "\n")
    return result


@click.command()
@store_options(RESULTS / "routing.json")
@click.option("--callers", default=10_000, show_default=True)
def main(
    contacts: int, activities: int, callers: int, db_dir: Path, out_file: Path, seed: int
) -> None:
    """Build (or reuse) a store and time routing decisions over random callers."""
    path, built = dataset.ensure_store(db_dir, contacts, activities, NOW, seed)
    click.echo(f"store: {path} ({path.stat().st_size / 2**20:.0f} MiB)", err=True)
    figures = asyncio.run(measure(path, contacts, callers, seed))
    result = write_result(
        out_file,
        "routing",
        contacts=contacts,
        activities=activities,
        callers=callers,
        store_mib=round(path.stat().st_size / 2**20),
        build_seconds=built,
        max_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        **figures,
    )
    click.echo(json.dumps({k: result[k] for k in ("decision", "incoming", "rules")}, indent=2))


if __name__ == "__main__":
    main()
