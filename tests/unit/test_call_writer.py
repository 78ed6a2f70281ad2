"""Routed calls written after the answer: batched, one bad record keeping back no other,
a busy store waited out; and the copy of each record the CDR keeps."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from smartnumber.calls import inbound
from smartnumber.calls.call_record import MAX_TEXT, CallToRecord
from smartnumber.calls.call_writer import DEFER_AT_MOST, CallWriter
from smartnumber.storage.sqlite import SqliteStore

from .conftest import Run

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
NUMBER = "+12125550100"
CALLERS = ["+13105550101", "+13105550102", "+13105550103"]  # new leads, each


async def planned(store: SqliteStore, caller: str) -> CallToRecord:
    async with store.snapshot() as repo:
        routed = await inbound.plan_call(repo, NUMBER, caller, NOW)
    assert routed.to_record is not None
    return routed.to_record


def calls_on_timeline(run: Run, caller: str) -> list[dict[str, object]]:
    shown = json.loads(run("timeline", caller, "--json").output)
    return [e for e in shown if e["kind"] == "call"]


async def test_the_calls_waiting_are_written_in_one_transaction(
    provisioned: Run, tmp_path: Path
) -> None:
    store = await SqliteStore.open(tmp_path / "sn.db")
    try:
        writer = CallWriter(store)
        records = [await planned(store, caller) for caller in CALLERS]
        for record in records:
            writer.add(record)
        assert all(writer.holds(r.call_key) for r in records)
        await writer.flush()
        assert writer.transactions == 1
        assert not any(writer.holds(r.call_key) for r in records)
    finally:
        await store.close()
    for caller in CALLERS:
        [call] = calls_on_timeline(provisioned, caller)
        assert call["detail"]["status"] == "ringing"


async def test_a_record_written_already_keeps_back_no_other(
    provisioned: Run, tmp_path: Path
) -> None:
    store = await SqliteStore.open(tmp_path / "sn.db")
    try:
        writer = CallWriter(store)
        first, second = [await planned(store, caller) for caller in CALLERS[:2]]
        writer.add(first)
        await writer.flush()
        for record in (first, second):  # the first again: its key is taken
            writer.add(record)
        await writer.flush()
    finally:
        await store.close()
    assert len(calls_on_timeline(provisioned, CALLERS[0])) == 1
    assert len(calls_on_timeline(provisioned, CALLERS[1])) == 1
    contacts = json.loads(provisioned("contact", "list", "--json").output)
    assert len(contacts) == 2  # the refused second write made no second lead


async def test_a_busy_store_is_waited_out(provisioned: Run, tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "sn.db")
    other = sqlite3.connect(tmp_path / "sn.db", isolation_level=None)
    try:
        record = await planned(store, CALLERS[0])
        other.execute("BEGIN IMMEDIATE")
        writer = CallWriter(store)
        writer.add(record)
        written = asyncio.create_task(writer.written(record.call_key))
        await asyncio.sleep(0.3)  # the writer is waiting for the lock meanwhile
        assert not written.done() and writer.holds(record.call_key)
        other.execute("COMMIT")
        await asyncio.wait_for(written, 10)
    finally:
        other.close()
        await store.close()
    assert len(calls_on_timeline(provisioned, CALLERS[0])) == 1


async def test_the_cdr_copy_is_the_record(provisioned: Run, tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "sn.db")
    try:
        record = await planned(store, CALLERS[0])
    finally:
        await store.close()
    text = record.as_text()
    assert 0 < len(text) <= MAX_TEXT
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert CallToRecord.from_text(text) == record
    for garbage in ("", "abc", "AAAA", text[:-8]):
        assert CallToRecord.from_text(garbage) is None


def test_a_long_decision_is_shortened_for_the_cdr() -> None:
    from dataclasses import replace

    from smartnumber.routing.inbound import RouteDecision, Rule, Strategy

    names = tuple(hashlib.sha256(str(i).encode()).hexdigest() for i in range(200))
    decision = RouteDecision(Rule.NUMBER_ROUTING, Strategy.GROUP, (1, 2), ("A", "B"), None,
                             None, None, False, names, "why " * 200)  # fmt: skip
    record = CallToRecord("0123456789abcdef", 1, NUMBER, None, NOW, decision)
    shortened = CallToRecord.from_text(record.as_text())
    assert shortened is not None and shortened.decision.ambiguous_contacts == ()
    assert shortened.decision.reason == decision.reason[:120]
    assert shortened == replace(record, decision=shortened.decision)


async def test_writes_wait_for_the_calls_waiting_to_be_decided(
    provisioned: Run, tmp_path: Path
) -> None:
    """In a burst the answers go first: a batch waits while calls wait their turn (up to
    DEFER_AT_MOST), and is written as soon as none does."""
    quiet = asyncio.Event()
    store = await SqliteStore.open(tmp_path / "sn.db")
    try:
        writer = CallWriter(store, after=quiet.wait)
        record = await planned(store, CALLERS[0])
        writer.add(record)
        flushed = asyncio.create_task(writer.flush())
        await asyncio.sleep(0.05)  # a moment in which the writer could have written
        assert writer.holds(record.call_key) and writer.transactions == 0
        quiet.set()
        await flushed
        assert writer.transactions == 1 and not writer.holds(record.call_key)
        # A burst that never ends holds no write back for longer than DEFER_AT_MOST.
        never = asyncio.Event()
        patient = CallWriter(store, after=never.wait)
        second = await planned(store, CALLERS[1])
        patient.add(second)
        async with asyncio.timeout(DEFER_AT_MOST + 5):
            await patient.written(second.call_key)
        assert patient.transactions == 1
    finally:
        await store.close()
