"""Quiet hours: texts an agent starts reach phones only inside the recipient's local
texting window (stricter by state); they wait in the outbox until it opens, or are
refused with no_wait; replies to a lead's recent text and STOP/HELP confirmations go at
once. The clock is injected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smartnumber import clock
from smartnumber import settings as shipped
from smartnumber.errors import UserError
from smartnumber.model import Outgoing, TextStatus
from smartnumber.routing import quiet_hours
from smartnumber.storage.sqlite import SqliteStore
from smartnumber.texting import inbound, outbound, outbox
from tests.unit.conftest import GRACE, Run, as_json

DAY = clock.window("08:00-21:00")
STRICT = {"FL": clock.window("08:00-20:00")}
MIAMI = "+13055550100"


@pytest.mark.parametrize(
    ("utc", "to", "opens"),
    [
        ("2026-11-20T17:00", GRACE, None),  # 09:00 in Los Angeles
        ("2026-11-20T12:00", GRACE, "2026-11-20T16:00"),  # 04:00 there: at 08:00
        ("2026-11-21T05:30", GRACE, "2026-11-21T16:00"),  # 21:30 there: tomorrow 08:00
        ("2026-11-21T00:30", MIAMI, None),  # 19:30 in Miami: inside 08:00-20:00
        ("2026-11-21T01:30", MIAMI, "2026-11-21T13:00"),  # 20:30 in Florida: too late
        ("2026-11-21T01:30", "+12125550150", None),  # 20:30 in New York: no stricter law
        ("2026-11-20T16:00", GRACE, None),  # 08:00:00 sharp in Los Angeles: open
        ("2026-11-21T05:00", GRACE, "2026-11-21T16:00"),  # 21:00:00 sharp: closed
    ],
)
def test_the_window_is_the_recipients_local_time(utc: str, to: str, opens: str | None) -> None:
    now = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    verdict = quiet_hours.check(now, to, DAY, STRICT)
    expected = datetime.fromisoformat(opens).replace(tzinfo=UTC) if opens else None
    assert verdict.opens == expected


def test_a_verdict_says_where_and_when_for_the_recipient() -> None:
    """What `text queue` and the refusal explain: the recipient's time, state and window."""
    now = datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
    closed = quiet_hours.check(now, MIAMI, DAY, STRICT)
    assert closed.state == "FL" and closed.window == STRICT["FL"]
    assert closed.local == now and f"{closed.local.tzinfo}" == "America/New_York"
    assert closed.explain() == (
        "it is 20:30 for the recipient (FL, America/New_York), outside the texting window"
        " 08:00-20:00"
    )
    opened = quiet_hours.check(now, "+12125550150", DAY, STRICT)
    assert (opened.opens, opened.state, opened.window) == (None, "NY", DAY)
    assert f"{opened.local:%H:%M}" == "20:30"


@pytest.mark.parametrize("text", ["8-21", "21:00-08:00", "08:00-25:00", "08:00", "FL=8"])
def test_windows_are_refused_when_they_make_no_sense(text: str) -> None:
    with pytest.raises(UserError):
        clock.state_windows(text) if "=" in text else clock.window(text)
    assert str(clock.window("08:00:30-24:00")) == "08:00:30-24:00"


@pytest.fixture
async def store(texting_store: SqliteStore, provisioned: Run) -> SqliteStore:
    provisioned("settings", "set", "texting.window", "08:00-21:00")  # the lab's is all day
    return texting_store


class Carrier:
    def __init__(self) -> None:
        self.taken: list[Outgoing] = []

    async def deliver(self, message: Outgoing) -> None:
        self.taken.append(message)


NIGHT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 04:00 in Los Angeles
MORNING = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 08:00 there


async def test_a_text_at_night_waits_in_the_outbox_until_the_window_opens(
    store: SqliteStore, provisioned: Run
) -> None:
    async with store.transaction() as repo:
        sent = await outbound.send(repo, "Bob", GRACE, "Open house at 10", NIGHT)
    assert sent.waits is not None and sent.waits.opens == MORNING
    assert "it is 04:00 for the recipient (CA, America/Los_Angeles)" in sent.waits.explain()
    [entry] = as_json(provisioned("timeline", GRACE, "--json"))
    assert entry["detail"]["waits_until"] == MORNING.isoformat()
    carrier = Carrier()
    now = [NIGHT]
    assert (await outbox.deliver_due(store, carrier, lambda: now[0], worker="test")).sent == 0
    now[0] = MORNING - timedelta(seconds=1)
    assert (await outbox.deliver_due(store, carrier, lambda: now[0], worker="test")).sent == 0
    now[0] = MORNING
    assert (await outbox.deliver_due(store, carrier, lambda: now[0], worker="test")).sent == 1
    assert carrier.taken[0].body.startswith("Open house at 10")


async def test_no_wait_refuses_with_the_reason_on_the_timeline(
    store: SqliteStore, provisioned: Run
) -> None:
    async with store.transaction() as repo:
        sent = await outbound.send(repo, "Bob", GRACE, "Open house at 10", NIGHT, no_wait=True)
    assert sent.outgoing is None and sent.refused is not None
    assert sent.refused.startswith("Text not sent - quiet hours: it is 04:00 for the recipient")
    [note] = as_json(provisioned("timeline", GRACE, "--json"))
    assert note["kind"] == "note" and "quiet hours" in note["detail"]["text"]


async def test_a_reply_to_the_leads_own_text_and_a_stop_confirmation_go_at_once(
    store: SqliteStore, provisioned: Run
) -> None:
    async with store.transaction() as repo:
        await inbound.receive(repo, GRACE, "+12125550100", "Is it still available?", NIGHT)
        reply = await outbound.send(repo, "Bob", GRACE, "Yes!", NIGHT + timedelta(minutes=5))
        late = await outbound.send(repo, "Bob", GRACE, "And?", NIGHT + timedelta(minutes=90))
        await inbound.receive(repo, "+13105550177", "+12125550100", "STOP", NIGHT)
    assert reply.waits is None and late.waits is not None
    async with store.transaction() as repo:
        due = await repo.due_texts(NIGHT + timedelta(minutes=5), 100)
    assert sorted(t.purpose for t in due) == ["confirmation", "forward", "sent"]
    assert all(t.status is TextStatus.QUEUED for t in due)


def test_the_shipped_defaults_are_the_law() -> None:
    """What an installation gets without setting anything (every other test sets its own
    window): 08:00-21:00 the recipient's time (47 CFR 64.1200(c)(1)), 08:00-20:00 in
    Florida, Oklahoma and Maryland; and they decide as they say."""
    window = clock.window(shipped.SETTINGS["texting.window"].default())
    states = clock.state_windows(shipped.SETTINGS["texting.state_windows"].default())
    assert str(window) == "08:00-21:00"
    assert {k: str(v) for k, v in states.items()} == {
        "FL": "08:00-20:00", "OK": "08:00-20:00", "MD": "08:00-20:00",
    }  # fmt: skip
    evening = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)  # 20:30 in New York and Miami
    assert quiet_hours.check(evening, "+12125550150", window, states).opens is None
    miami = quiet_hours.check(evening, "+13055550150", window, states)
    assert miami.opens == datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # 08:00 there
    early = datetime(2026, 11, 20, 12, 59, tzinfo=UTC)  # 07:59 in New York
    assert quiet_hours.check(early, "+12125550150", window, states).opens is not None
    late = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 21:00 in New York: closed
    assert quiet_hours.check(late, "+12125550150", window, states).opens is not None
