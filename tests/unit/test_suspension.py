"""Suspension (SPEC 7): warned first, suspended when sent anyway, only that agent,
replies to leads who texted first still allowed, lifted after 30 days or by an admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smartnumber.storage.sqlite import SqliteStore
from smartnumber.texting import inbound, outbound, suspension
from tests.unit.conftest import Run, as_json, assert_user_error, register_for_texting

DAY1 = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)  # 10:00 in Los Angeles
GRACE = "+13105550150"
ALAN = "+13105550151"
OFFICE = "+12125550100"
SAME = "Still interested in the 5th Ave house?"


@pytest.fixture
async def store(provisioned: Run, tmp_path: Path) -> AsyncIterator[SqliteStore]:
    register_for_texting(provisioned)
    provisioned("contact", "add", "Grace", "--phone", GRACE, "--owner", "Bob")
    provisioned("contact", "add", "Alan", "--phone", ALAN, "--owner", "Bob")
    opened = await SqliteStore.open(tmp_path / "sn.db")
    yield opened
    await opened.close()


async def send(
    store: SqliteStore, agent: str, to: str, body: str, at: datetime, anyway: bool = False
) -> outbound.Sent:
    async with store.transaction() as repo:
        return await outbound.send(repo, agent, to, body, at, anyway=anyway)


async def test_warned_then_suspended_only_when_sent_anyway(
    store: SqliteStore, provisioned: Run
) -> None:
    assert (await send(store, "Bob", GRACE, SAME, DAY1)).outgoing is not None
    warned = await send(store, "Bob", GRACE, SAME.upper() + "!!", DAY1 + timedelta(days=1))
    assert warned.outgoing is None and "nearly the same text" in (warned.warning or "")
    assert as_json(provisioned("suspension", "list", "--json")) == []  # a warning only

    sent = await send(store, "Bob", GRACE, SAME, DAY1 + timedelta(days=1), anyway=True)
    assert sent.outgoing is not None and sent.suspended is not None
    assert sent.suspended.ends_at == DAY1 + timedelta(days=31)
    [banner] = as_json(provisioned("suspension", "list", "--json"))
    assert banner["agent"] == "Bob" and banner["pattern"] == "repeated-message"
    assert [e["lead"] for e in banner["evidence"]] == [GRACE, GRACE]
    notes = [e for e in as_json(provisioned("timeline", GRACE, "--json")) if e["kind"] == "note"]
    assert (
        notes and "Bob suspended from starting texts until 2026-12-17" in notes[0]["detail"]["text"]
    )


async def test_a_suspended_agent_may_only_reply_to_leads_who_texted_first(
    store: SqliteStore,
) -> None:
    await send(store, "Bob", GRACE, SAME, DAY1)
    await send(store, "Bob", GRACE, SAME, DAY1 + timedelta(days=1), anyway=True)
    later = DAY1 + timedelta(days=2)
    refused = await send(store, "Bob", ALAN, "New listing for you", later)
    assert refused.refused and "suspended from starting texts until 2026-12-17" in refused.refused
    again = await send(store, "Bob", GRACE, "One more thing", later)
    assert again.refused is not None  # Grace has not texted since Bob's last text
    async with store.transaction() as repo:
        await inbound.receive(repo, GRACE, OFFICE, "Yes, can we talk?", later + timedelta(hours=1))
    reply = await send(store, "Bob", GRACE, "Sure, calling you now", later + timedelta(hours=2))
    assert reply.outgoing is not None and reply.refused is None
    teammate = await send(store, "Alice", ALAN, "Hi Alan, Alice here", later)
    assert teammate.outgoing is not None  # only Bob is suspended


async def test_it_lifts_itself_after_30_days_or_when_an_admin_lifts_it(
    store: SqliteStore, provisioned: Run
) -> None:
    await send(store, "Bob", GRACE, SAME, DAY1)
    await send(store, "Bob", GRACE, SAME, DAY1 + timedelta(days=1), anyway=True)
    almost = DAY1 + timedelta(days=31) - timedelta(minutes=1)
    assert (await send(store, "Bob", ALAN, "Hello", almost)).refused is not None
    over = DAY1 + timedelta(days=31)
    assert (await send(store, "Bob", ALAN, "Hello again", over)).outgoing is not None

    await send(store, "Bob", ALAN, "Hello again", over + timedelta(days=1), anyway=True)
    async with store.transaction() as repo:
        assert await suspension.active(repo, 2, over + timedelta(days=1)) is not None
    # An admin lifts it early (the CLI does the same with the real clock).
    async with store.transaction() as repo:
        bob = await repo.agent_by_name("Bob")
        assert bob is not None
        await suspension.lift(repo, bob, "talked it through", over + timedelta(days=1, hours=1))
    after = await send(store, "Bob", "+13105550152", "Hi there", over + timedelta(days=1, hours=2))
    assert after.outgoing is not None


def test_lifting_needs_a_suspension_and_a_reason(provisioned: Run) -> None:
    assert_user_error(
        provisioned("suspension", "lift", "Bob", "--reason", "x", ok=False), "Bob is not suspended"
    )
    assert "nobody is suspended" in provisioned("suspension", "list").output


async def test_thresholds_are_admin_settings(store: SqliteStore, provisioned: Run) -> None:
    provisioned("settings", "set", "spam.unanswered_days", "2")
    assert (await send(store, "Bob", GRACE, "Open house Sunday", DAY1)).outgoing is not None
    warned = await send(store, "Bob", GRACE, "Price just dropped", DAY1 + timedelta(days=1))
    assert "texted on 2 days in a row" in (warned.warning or "")
    for value in ("1", "31", "two"):
        result = provisioned("settings", "set", "spam.unanswered_days", value, ok=False)
        assert_user_error(result, "spam.unanswered_days: must be a whole number from 2 to 30")


@pytest.mark.parametrize(("days", "warned"), [(20, True), (29, True), (31, False)])
async def test_the_detectors_look_back_thirty_days(
    store: SqliteStore, days: int, warned: bool
) -> None:
    """A repeat of a text sent 20 or 29 days ago is still a repeat; one sent 31 days ago
    is out of the window the detectors read (suspension.LOOKBACK)."""
    assert (await send(store, "Bob", GRACE, SAME, DAY1)).outgoing is not None
    again = await send(store, "Bob", GRACE, SAME, DAY1 + timedelta(days=days))
    assert (again.warning is not None) is warned, again
