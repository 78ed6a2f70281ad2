"""The text outbox: stored first, automatic texts only where they may go, delivered with
retries, cancelled by an opt-out that arrives meanwhile, the timeline kept in step."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from smartnumber.errors import UserError
from smartnumber.model import Outgoing, TextStatus
from smartnumber.storage.sqlite import SqliteStore
from smartnumber.texting import inbound, outbound, outbox
from tests.unit.conftest import Run, as_json

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
OFFICE = "+12125550100"
GRACE = "+13105550150"
LITHUANIA = "+37060000001"
FIRST = "\nReply STOP to opt out."  # under the first text to a number (texting.disclosure)


class Carrier:
    """A transport that takes texts, refuses them, or cannot be reached, as told."""

    def __init__(self) -> None:
        self.taken: list[Outgoing] = []
        self.failure: Exception | None = None

    async def deliver(self, message: Outgoing) -> None:
        if self.failure is not None:
            raise self.failure
        self.taken.append(message)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(texting_store: SqliteStore) -> SqliteStore:
    return texting_store


async def receive(
    store: SqliteStore, sender: str, body: str, at: datetime = NOW
) -> inbound.Handled:
    async with store.transaction() as repo:
        return await inbound.receive(repo, sender, OFFICE, body, at)


async def send(store: SqliteStore, body: str = "See you at 5") -> outbound.Sent:
    async with store.transaction() as repo:
        return await outbound.send(repo, "Bob", GRACE, body, NOW)


async def statuses(store: SqliteStore) -> list[tuple[str, str, str | None]]:
    async with store.transaction() as repo:
        rows = await outbox.listing(repo, True, 100)
    return [(t.purpose, t.status.value, t.last_error) for t in reversed(rows)]


# -- automatic texts only where they may go ---------------------------------------------------


@pytest.mark.parametrize("body", ["HELP", "STOP", "START"])
async def test_automatic_replies_abroad_are_refused_but_the_state_is_kept(
    store: SqliteStore, provisioned: Run, body: str
) -> None:
    handled = await receive(store, LITHUANIA, body)
    [queued] = handled.queued
    assert queued.refused is not None and "United States and Canada" in queued.refused
    assert await statuses(store) == [("confirmation", "refused", queued.refused)]
    carrier = Carrier()
    assert (await outbox.deliver_due(store, carrier, Clock(), worker="test")).sent == 0
    assert carrier.taken == []
    if body == "STOP":  # the opt-out itself is honoured: texts to that number are refused
        async with store.transaction() as repo:
            assert await repo.opted_out(LITHUANIA)


async def test_a_text_code_from_abroad_makes_its_lead_but_no_auto_reply(
    store: SqliteStore, provisioned: Run
) -> None:
    provisioned("textcode", "add", "House42", "--reply", "Thanks!", "--agent", "Carol")
    handled = await receive(store, LITHUANIA, "HOUSE42")
    assert [(q.message.purpose, q.refused is None) for q in handled.queued] == [
        ("auto-reply", False),
        ("lead-alert", True),  # the alert goes to Carol's own (US) cell
    ]
    assert [c["source"] for c in as_json(provisioned("contact", "list", "--json"))] == [
        "manual",
        "text-code:house42",
    ]


async def test_a_burst_of_automatic_replies_is_capped_per_sender(
    store: SqliteStore, provisioned: Run
) -> None:
    provisioned("settings", "set", "texting.auto_reply_limit", "3")
    for minute in range(6):
        await receive(store, GRACE, "HELP", NOW + timedelta(minutes=minute))
    assert [s for _, s, _ in await statuses(store)] == ["queued"] * 3 + ["refused"] * 3
    # An hour later the sender may be answered again.
    handled = await receive(store, GRACE, "HELP", NOW + timedelta(minutes=61))
    assert handled.queued[0].refused is None


async def test_forwards_to_an_agents_cell_are_not_counted_as_replies(
    store: SqliteStore, provisioned: Run
) -> None:
    provisioned("settings", "set", "texting.auto_reply_limit", "1")
    for minute in range(4):
        await receive(store, GRACE, f"question {minute}", NOW + timedelta(minutes=minute))
    assert [s for _, s, _ in await statuses(store)] == ["queued"] * 4


# -- delivery -----------------------------------------------------------------------------------


async def test_a_sent_text_is_queued_then_sent_on_the_timeline(
    store: SqliteStore, provisioned: Run
) -> None:
    sent = await send(store)
    [entry] = as_json(provisioned("timeline", GRACE, "--json"))
    assert entry["detail"]["status"] == "queued"  # never "sent" before it was
    carrier = Carrier()
    done = await outbox.deliver_due(store, carrier, Clock(), worker="test")
    assert done.sent == 1 and [m.body for m in carrier.taken] == ["See you at 5" + FIRST]
    [entry] = as_json(provisioned("timeline", GRACE, "--json"))
    assert entry["detail"]["status"] == "sent"
    async with store.transaction() as repo:
        text = await repo.queued_text(sent.queued or 0)
    assert text is not None and text.status is TextStatus.SENT and text.sent_at == NOW
    assert (
        await outbox.deliver_due(store, carrier, Clock(), worker="test")
    ).sent == 0  # exactly once


async def test_while_the_carrier_side_is_unreachable_texts_wait(
    store: SqliteStore, provisioned: Run
) -> None:
    await send(store, "first")
    await send(store, "second")
    carrier, clock = Carrier(), Clock()
    carrier.failure = ConnectionError("not connected to the AMI")
    done = await outbox.deliver_due(store, carrier, clock, worker="test")
    assert done.unreachable and done.sent == 0
    waiting = await statuses(store)
    assert [s for _, s, _ in waiting] == ["queued", "queued"]
    assert "could not be reached" in (waiting[0][2] or "")
    carrier.failure = None
    assert (await outbox.deliver_due(store, carrier, clock, worker="test")).sent == 2
    assert [m.body for m in carrier.taken] == ["first" + FIRST, "second"]  # in order


async def test_an_opt_out_that_arrives_while_a_text_waits_cancels_it(
    store: SqliteStore, provisioned: Run
) -> None:
    await send(store)
    await receive(store, GRACE, "STOP")
    carrier = Carrier()
    done = await outbox.deliver_due(store, carrier, Clock(), worker="test")
    assert (done.sent, done.cancelled) == (1, 1)
    assert [m.purpose for m in carrier.taken] == ["confirmation"]  # the STOP's own reply
    entry = next(
        e for e in as_json(provisioned("timeline", GRACE, "--json")) if "to" in e["detail"]
    )
    assert entry["detail"]["status"] == "cancelled"
    assert "opted out" in entry["detail"]["reason"]


async def test_a_text_the_carrier_side_keeps_refusing_fails_with_the_reason(
    store: SqliteStore, provisioned: Run
) -> None:
    await send(store)
    carrier, clock = Carrier(), Clock()
    carrier.failure = UserError("Asterisk did not send the text: Invalid endpoint")
    for _ in range(outbox.MAX_REFUSALS):
        await outbox.deliver_due(store, carrier, clock, worker="test")
        clock.now += outbox.LAST_RETRY
    [(_, status, reason)] = await statuses(store)
    assert status == "failed" and reason == "Asterisk did not send the text: Invalid endpoint"
    [entry] = as_json(provisioned("timeline", GRACE, "--json"))
    assert entry["detail"]["status"] == "failed"
    # The CRM hears it once, with the reason (text.failed, written with the failure).
    async with store.transaction() as repo:
        told = await repo.webhook_events_between(NOW, clock.now, 100)
    [failed] = [json.loads(e.payload) for e in told if e.type == "text.failed"]
    assert failed["data"]["reason"] == reason and failed["data"]["to"] == GRACE
    assert not [e for e in told if e.type == "text.sent"]


async def test_a_text_still_waiting_after_a_day_fails(store: SqliteStore) -> None:
    await send(store)
    clock = Clock()
    clock.now += outbox.EXPIRES + timedelta(minutes=1)
    done = await outbox.deliver_due(store, Carrier(), clock, worker="test")
    assert done.failed == 1
    [(_, status, reason)] = await statuses(store)
    assert status == "failed" and reason == "not delivered within 24 h"


async def test_text_queue_lists_what_waits(store: SqliteStore, provisioned: Run) -> None:
    await send(store, "waiting")
    assert "nothing waits" not in provisioned("text", "queue").output
    [row] = as_json(provisioned("text", "queue", "--json"))
    assert (row["status"], row["to"], row["text"]) == ("queued", GRACE, "waiting" + FIRST)
    await outbox.deliver_due(store, Carrier(), Clock(), worker="test")
    assert provisioned("text", "queue").output.strip() == "nothing waits in the outbox"
    assert [r["status"] for r in as_json(provisioned("text", "queue", "--all", "--json"))] == [
        "sent"
    ]
