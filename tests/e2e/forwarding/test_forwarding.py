"""Per-number forwarding through the trunk, and the caller ID answering phones see."""

from __future__ import annotations

import pytest

from smartnumber.demo.sipp import place_call
from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk

FORWARD = "+14155550123"


async def test_unanswered_call_is_forwarded_through_the_trunk(
    office: Office, stop_parties: None
) -> None:
    cli = office.system.cli
    cli("number", "routing", OFFICE_NUMBER, "--mode", "agent", "--agents", "Carol")
    cli("number", "config", OFFICE_NUMBER, "--forward-to", FORWARD, "--timeout", "5")
    office.system.start_asterisk()
    office.system.start_service()

    # Carol's phone is off; the carrier answers the forwarded leg.
    caller = office.system.caller(OFFICE_NUMBER, caller_id="+12125550177")
    result = await place_call(caller, {"carrier": office.system.carrier()})

    assert result.caller.succeeded, result.caller.output
    assert result.answered == ["carrier"]
    (invite,) = result.phones["carrier"].requests("INVITE")
    assert FORWARD in invite.first_line  # INVITE sip:+14155550123@...
    assert "+12125550177" in invite.headers["from"]  # the caller's number is shown
    call = await office.completed_call("+12125550177")
    assert call["detail"]["answered_number"] == FORWARD


async def test_forward_always_and_pass_called_number(office: Office, stop_parties: None) -> None:
    cli = office.system.cli
    cli(
        "number",
        "config",
        OFFICE_NUMBER,
        "--forward-to",
        FORWARD,
        "--forward-when",
        "always",
        "--pass-called-number",
    )
    office.system.start_asterisk()
    office.system.start_service()

    caller = office.system.caller(OFFICE_NUMBER, caller_id="+12125550177")
    result = await place_call(
        caller, {"carrier": office.system.carrier(), "Alice": office.phone("Alice")}
    )

    assert result.rung == ["carrier"]  # not the agents' phones
    (invite,) = result.phones["carrier"].requests("INVITE")
    assert OFFICE_NUMBER in invite.headers["from"]  # the Smart Number, not the caller
    assert "+12125550177" not in invite.headers["from"]


async def test_pass_called_number_on_an_agents_phone(office: Office, stop_parties: None) -> None:
    office.system.cli("number", "config", OFFICE_NUMBER, "--pass-called-number")
    office.system.start_asterisk()
    office.system.start_service()
    result = await office.call("+12125550177", phones=("Alice",))
    (invite,) = result.phones["Alice"].requests("INVITE")
    assert OFFICE_NUMBER in invite.headers["from"]


async def test_a_forward_showing_the_smart_number_carries_its_approved_cnam_name(
    office: Office, stop_parties: None
) -> None:
    office.system.cli("number", "config", OFFICE_NUMBER, "--pass-called-number")
    office.system.cli("compliance", "cnam", OFFICE_NUMBER, "Acme Realty", "--status", "approved")
    office.system.start_asterisk()
    office.system.start_service()
    result = await office.call("+12125550177", phones=("Alice",))
    (invite,) = result.phones["Alice"].requests("INVITE")
    assert invite.headers["from"].startswith('"Acme Realty" <sip:+12125550100@')
