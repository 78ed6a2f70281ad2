"""A click-to-call shown from a number that records is recorded like an inbound call:
the contact hears the consent notice once they answer, the bridged talk is kept, and the
recording lands on the contact's timeline (recording.created, `recording list`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.ami import watch
from tests.e2e.call_handling.conftest import (
    configure,
    loudest_sample,
    recordings,
    timeline_entry,
)
from tests.e2e.click_to_call.conftest import CONTACT, click_to_call
from tests.e2e.conftest import Office

pytestmark = pytest.mark.asterisk

SPEAKS = Path(__file__).parent / "callee-speaks.xml"  # answers-hangs-up, with sound


async def test_a_click_to_call_from_a_recording_number_is_recorded_with_consent(
    office: Office, stop_parties: None
) -> None:
    handling = configure(office, "--record", "--record-consent", "This call is recorded.")
    parties = {
        "bob": office.phone("Bob"),
        "contact": office.system.carrier(scenario_name=SPEAKS, hold_ms=5000),
    }
    async with watch(**office.system.watcher_credentials()) as ami:
        done = await click_to_call(office, parties, "Bob", CONTACT, "--wait")
    assert done.cli.exit_code == 0, done.cli.output

    played = f"Playback({office.system.db.parent}/media/prompts/{handling['consent_prompt']})"
    heard = [
        e["Channel"].split("-")[0]
        for e in ami.named("Newexten")
        if e.get("AppData") == played[9:-1]
    ]
    assert heard == ["PJSIP/trunk"]  # the contact heard it, not Bob

    entry = await timeline_entry(office, CONTACT, "recording")
    [call] = [e for e in office.timeline(CONTACT) if e["kind"] == "call"]
    assert entry["detail"]["call"] == call["id"] and entry["agent"] == "Bob"
    [kept] = recordings(office, CONTACT)
    assert kept["id"] == f"rec-{call['detail']['media_id']}" and kept["kind"] == "recording"
    assert 2 <= kept["seconds"] <= 15
    assert loudest_sample(Path(kept["path"])) > 1000  # the contact's words were kept


async def test_a_click_to_call_from_a_number_that_does_not_record_is_not(
    office: Office, stop_parties: None
) -> None:
    configure(office, "--no-record")
    parties = {
        "bob": office.phone("Bob"),
        "contact": office.system.carrier(scenario_name="answers-hangs-up", hold_ms=500),
    }
    done = await click_to_call(office, parties, "Bob", CONTACT, "--wait")
    assert done.cli.exit_code == 0, done.cli.output
    [call] = [e for e in office.timeline(CONTACT) if e["kind"] == "call"]
    assert "media_id" not in call["detail"] and recordings(office, CONTACT) == []
