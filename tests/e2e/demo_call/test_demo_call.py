"""What the README promises: demo data loads, and `smartnumber demo call` is answered."""

from __future__ import annotations

import asyncio
import json

import pytest

from lab.carrier import FakeCarrier
from lab.raw_sip import request
from lab.system import TRUNK_ADDRESS, System
from smartnumber.demo.sipp import udp_bound
from tests.e2e.carriers.conftest import add_carrier

pytestmark = pytest.mark.asterisk


def test_demo_call_is_answered_by_a_demo_phone(system: System) -> None:
    system.cli("demo", "load")
    assert "already loaded" in system.cli("demo", "load").output
    system.start_asterisk()

    # No routing service runs here: the office number falls back to its admin, Alice.
    office = system.cli("demo", "call", "+12125550100")
    assert "answered by Alice Admin" in office.output
    # Bob's personal number falls back to Bob.
    personal = system.cli("demo", "call", "+12125550120", "--from", "+12125550199")
    assert "answered by Bob Baker" in personal.output

    agents = json.loads(system.cli("agent", "list", "--json").output)
    assert {a["name"] for a in agents} >= {"Alice Admin", "Bob Baker", "Dana Diaz"}


def test_demo_call_to_an_unknown_number_is_refused(system: System) -> None:
    system.cli("demo", "load")
    result = system.cli("demo", "call", "+12125550199", ok=False)
    assert result.exit_code == 1
    assert "+12125550199 is not a Smart Number here" in result.output


async def test_demo_click_to_call_connects_bob_and_a_new_lead(system: System) -> None:
    system.cli("demo", "load")
    system.start_asterisk()
    system.start_service()
    result = await system.acli("demo", "click-to-call", "Bob Baker", "310-555-0188")
    assert result.exit_code == 0, result.output
    assert "showing +12125550120 (personal)" in result.output  # Bob's personal number
    assert "  connected" in result.output and "  ended" in result.output
    [call] = json.loads(system.cli("timeline", "+13105550188", "--json").output)
    assert call["direction"] == "outbound" and call["agent"] == "Bob Baker"


async def test_demo_texts_flow_both_ways(system: System) -> None:
    system.cli("demo", "load")
    system.start_asterisk()
    system.start_service()
    result = await system.acli("demo", "texts")
    assert result.exit_code == 0, result.output
    said = result.output
    forward = "to +12125550102 from +12125550100: Grace Hopper (+12125550150): Is the 5th Ave"
    assert f"the trunk carried: {forward}" in said  # to Bob's cell
    assert "the trunk carried: to +12125550150 from +12125550120: Yes! See it at 5?" in said
    kinds = [(e["kind"], e["direction"]) for e in json.loads(
        system.cli("timeline", "+12125550150", "--json").output)][:2]  # fmt: skip
    assert kinds == [("text", "outbound"), ("text", "inbound")]


async def test_demo_texts_as_the_demo_runs_it_with_bobs_number_on_the_stand_in_carrier(
    system: System,
) -> None:
    """./scripts/demo puts Bob's number on the stand-in Telnyx: his reply leaves through
    it, not the trunk, and `demo texts` says so instead of waiting for it on the trunk."""
    system.cli("demo", "load")
    async with FakeCarrier() as carrier:
        add_carrier(system, carrier, "telnyx", "demo-telnyx")
        system.cli("number", "config", "+12125550120", "--sms-carrier", "demo-telnyx")
        system.start_asterisk()
        system.start_service()
        result = await system.acli("demo", "texts")
        assert result.exit_code == 0, result.output
        reply = "an HTTP carrier carried: to +12125550150 from +12125550120: Yes! See it at 5?"
        assert reply in result.output
        assert [t.to for t in carrier.sent] == ["+12125550150"]


async def test_demo_click_to_call_contact_answers_a_text_and_still_takes_its_call(
    system: System,
) -> None:
    """The README's order: a STOP injected from the trunk is confirmed by a text to the
    trunk, resent until someone there answers -- which is the contact party that
    click-to-call puts on the trunk next. It answers the text 200 and takes its call."""
    system.cli("demo", "load")
    system.start_asterisk()
    system.start_service()
    call = asyncio.create_task(system.acli("demo", "click-to-call", "Bob Baker", "310-555-0188"))
    trunk = (TRUNK_ADDRESS, int(system.settings["trunk.port"]))
    while not udp_bound(*trunk):  # the contact party is up
        assert not call.done(), call.result().output
        await asyncio.sleep(0.02)
    stray = await request(
        "MESSAGE",
        source="127.0.0.1",
        target=trunk,
        to_user="+13105550177",
        from_header="<sip:+12125550100@127.0.0.1>",
        body="You are unsubscribed. Reply START to resubscribe.",
    )
    assert stray == 200
    result = await call
    assert result.exit_code == 0, result.output
    assert "  connected" in result.output and "  ended" in result.output
