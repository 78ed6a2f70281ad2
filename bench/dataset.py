"""A realistic, deterministic store for benchmarks: contacts, agents, history.

Shape: offices of 20 agents (one admin each); every contact has 1-3 agents in its
history; about 10 activities per contact on average, spread over two years with a
third of them in the last 90 days; 5% of numbers shared by two contacts (couples).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import click

from bench.bulk import ActivityRow, BulkLoader, ContactRow, PhoneRow
from smartnumber.storage.sqlite import SqliteStore, to_millis

AREA_CODES = ("212", "312", "415", "617", "646", "718", "917", "213", "310", "404")
AGENTS_PER_OFFICE = 20
KINDS = (  # kind, weight, directions
    ("email", 35, ("outbound",)),
    ("search_alert", 20, ("outbound",)),
    ("auto", 15, ("outbound",)),
    ("call", 12, ("outbound", "inbound")),
    ("text", 13, ("outbound", "inbound")),
    ("note", 5, ("internal",)),
)


def phone_of(i: int) -> str:
    """A distinct valid US number for contact index i (up to 1,000,000 of them)."""
    rest = i // len(AREA_CODES)
    return f"+1{AREA_CODES[i % len(AREA_CODES)]}{200 + rest // 10000:03d}{rest % 10000:04d}"


def unknown_phone(i: int) -> str:
    """A valid number no contact has (exchange 9xx is never generated)."""
    return f"+1{AREA_CODES[i % len(AREA_CODES)]}9{(i // 10) % 100:02d}{i % 10000:04d}"


def office_number(office: int) -> str:
    return f"+1212{300 + office:03d}0100"


async def create_schema(path: Path) -> None:
    store = await SqliteStore.open(path)  # runs the migrations
    await store.close()


def build(path: Path, contacts: int, activities: int, now: datetime, seed: int = 7) -> None:
    """Create the store at path (which must not exist yet), with progress bars."""
    import asyncio

    rng = random.Random(seed)
    asyncio.run(create_schema(path))
    loader = BulkLoader(path)
    offices = max(1, contacts // 100_000)
    agent_ids: list[list[int]] = []
    for office in range(offices):
        office_id = loader.office(f"Office {office + 1}")
        ids = loader.agents(
            (
                f"Agent {office + 1}-{a + 1}",
                f"+1646{400 + office:03d}{1000 + a:04d}",
                office_id,
                a == 0,
            )
            for a in range(AGENTS_PER_OFFICE)
        )
        agent_ids.append(ids)
        loader.number(office_number(office), office_id, ids[0])

    def contact_rows() -> Iterator[ContactRow]:
        for i in range(contacts):
            owner = agent_ids[i % offices][rng.randrange(AGENTS_PER_OFFICE)]
            yield (i + 1, f"Contact {i + 1}", owner, to_millis(now - timedelta(days=800)))

    def phone_rows() -> Iterator[PhoneRow]:
        for i in range(contacts):
            yield (i + 1, phone_of(i))
            if i % 20 == 1:  # shares the previous contact's number too
                yield (i + 1, phone_of(i - 1))

    with click.progressbar(length=contacts, label="contacts  ", file=sys.stderr) as bar:
        loader.contacts(contact_rows(), phone_rows(), progress=bar.update)

    kinds = [k for k, w, _ in KINDS for _ in range(w)]
    directions = {k: d for k, _, d in KINDS}
    per_contact = activities / contacts
    now_ms = to_millis(now)
    day_ms = 86_400_000

    def activity_rows() -> Iterator[ActivityRow]:
        produced = 0
        for i in range(contacts):
            target = round(per_contact * (i + 1)) - produced  # exact total, even spread
            office_agents = agent_ids[i % offices]
            history = rng.sample(office_agents, rng.randint(1, 3))
            for _ in range(target):
                kind = rng.choice(kinds)
                recent = rng.random() < 0.33
                age = rng.random() * (90 if recent else 730) * day_ms
                yield (
                    i + 1,
                    rng.choice(history),
                    kind,
                    rng.choice(directions[kind]),
                    now_ms - int(age),
                )
            produced += target

    with click.progressbar(length=activities, label="activities", file=sys.stderr) as bar:
        loader.activities(activity_rows(), progress=bar.update)
    loader.close()


def ensure_store(
    db_dir: Path, contacts: int, activities: int, now: datetime, seed: int = 7
) -> tuple[Path, float | None]:
    """The store for these sizes, built on first use; (path, seconds it took or None)."""
    import time

    db_dir.mkdir(parents=True, exist_ok=True)
    path = db_dir / f"routing-{contacts}-{activities}-{seed}.db"
    if path.exists():
        return path, None
    start = time.perf_counter()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    build(partial, contacts, activities, now, seed)
    partial.rename(path)
    return path, round(time.perf_counter() - start, 1)
