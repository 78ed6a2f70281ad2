"""Quiet hours through the private Asterisk: a text started outside the recipient's
texting window waits in the outbox and goes out when the window opens (the window set
to open a few seconds from now, their time); with --no-wait it is refused instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smartnumber import clock, phone
from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import FIRST, Inbox, outbox

pytestmark = pytest.mark.asterisk

# Leads in three time zones: the test uses one where it is not close to midnight.
LEADS = ("+13105550160", "+12125550160", "+18085550160")  # Los Angeles, New York, Honolulu


def a_lead_far_from_midnight() -> tuple[str, datetime]:
    for lead in LEADS:
        local = clock.now().astimezone(phone.time_zone(lead))
        if local.hour < 23 and (local.hour, local.minute) > (0, 5):
            return lead, local
    raise AssertionError("every lead is near midnight")  # three zones make this impossible


async def test_a_text_outside_the_window_waits_and_goes_when_it_opens(
    texting: Office, stop_parties: None
) -> None:
    system = texting.system
    lead, local = a_lead_far_from_midnight()
    opens = local + timedelta(seconds=6)
    system.cli("settings", "set", "texting.window", f"{opens:%H:%M:%S}-24:00")
    async with Inbox(system) as inbox:
        said = system.cli("text", "send", "--agent", "Bob", "--to", lead, "Good morning!")
        assert "quiet hours" in said.output and f"it goes at {opens:%Y-%m-%d %H:%M}" in said.output
        [waiting] = [t for t in outbox(system) if t["to"] == lead]
        assert waiting["status"] == "queued"
        [sent] = await inbox.texts(handled=0, timeout=40)
    assert (sent.to, sent.sender, sent.body) == (lead, OFFICE_NUMBER, "Good morning!" + FIRST)
    [row] = [t for t in outbox(system) if t["to"] == lead]
    assert datetime.fromisoformat(row["sent_at"]) >= opens.astimezone(UTC).replace(microsecond=0)


async def test_no_wait_refuses_outside_the_window(texting: Office, stop_parties: None) -> None:
    system = texting.system
    lead, local = a_lead_far_from_midnight()
    system.cli("settings", "set", "texting.window", f"{local + timedelta(hours=1):%H:%M}-24:00")
    refused = system.cli(
        "text", "send", "--agent", "Bob", "--to", lead, "Good morning!", "--no-wait", ok=False
    )
    assert refused.exit_code == 1 and "quiet hours" in refused.output
    assert [t for t in outbox(system) if t["to"] == lead] == []
