"""`smartnumber call AGENT NUMBER`: the agent's phone first, then the contact, showing
the agent's Smart Number; on the timeline; never dialled without the agent."""

from __future__ import annotations

import json

import pytest

from tests.e2e.click_to_call.conftest import CONTACT, click_to_call
from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = [pytest.mark.asterisk, pytest.mark.both_stores]


async def test_agent_answers_then_the_contact_rings_showing_the_smart_number(
    running: Office, stop_parties: None
) -> None:
    parties = {
        "bob": running.phone("Bob"),
        "contact": running.system.carrier(scenario_name="answers-hangs-up", hold_ms=2000),
    }
    outcome = await click_to_call(running, parties, "Bob", "(310) 555-0188", "--wait")

    assert outcome.cli.exit_code == 0, outcome.cli.output
    stages = [
        "agent ringing", "agent answered", "dialling contact", "contact ringing", "connected",
        "ended",
    ]  # fmt: skip
    said = outcome.cli.output
    assert [said.index(f"  {s}") for s in stages] == sorted(said.index(f"  {s}") for s in stages)
    assert outcome.invites("bob") == 1 and outcome.shown_to("bob") == CONTACT
    assert outcome.invites("contact") == 1 and outcome.shown_to("contact") == OFFICE_NUMBER

    call = await running.completed_call(CONTACT)
    assert call["direction"] == "outbound" and call["agent"] == "Bob"
    assert call["detail"]["status"] == "answered" and call["detail"]["talk_seconds"] >= 1
    assert call["detail"]["number_shown"] == OFFICE_NUMBER
    [lead] = json.loads(running.system.cli("contact", "list", "--json").output)
    assert lead["owner"] == "Bob" and lead["source"] == "click-to-call"
    # Bob now has the most recent call with this contact: their next call rings Bob.
    explained = json.loads(
        running.system.cli(
            "route", "explain", "--number", OFFICE_NUMBER, "--caller", CONTACT, "--json"
        ).output
    )
    assert explained["agents"] == ["Bob"]


async def test_the_contact_is_never_dialled_when_the_agent_does_not_answer(
    running: Office, stop_parties: None
) -> None:
    parties = {
        "bob": running.phone("Bob", "agent-rings"),
        "contact": running.system.carrier(scenario_name="answers-hangs-up"),
    }
    outcome = await click_to_call(running, parties, "Bob", CONTACT, "--ring", "5", "--wait")

    assert outcome.cli.exit_code == 1
    assert "the agent did not answer; +13105550188 was not called" in outcome.cli.output
    assert outcome.invites("bob") == 1 and outcome.invites("contact") == 0
    [call] = [e for e in running.timeline(CONTACT) if e["kind"] == "call"]
    assert call["detail"]["status"] == "agent missed" and call["detail"]["agent"] == "Bob"
    # A call that never reached the contact is no conversation with Bob: inbound calls
    # from this number are not steered to Bob by it.
    assert call["agent"] is None
    explained = json.loads(
        running.system.cli(
            "route", "explain", "--number", OFFICE_NUMBER, "--caller", CONTACT, "--json"
        ).output
    )
    assert explained["rule"] == "number-routing"


@pytest.mark.parametrize(
    "number",
    ["5551234&PJSIP/evil", "+18765550123", "+19005550123", "+442079460000", ""],
)
def test_numbers_it_must_not_dial_are_refused(running: Office, number: str) -> None:
    result = running.system.cli("call", "Bob", number, ok=False)
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1
    assert "Error:" in result.output
    assert json.loads(running.system.cli("contact", "list", "--json").output) == []
