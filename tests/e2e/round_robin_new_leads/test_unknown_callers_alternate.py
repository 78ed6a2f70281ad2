"""Unknown callers become tracked-call leads, dealt round-robin over the number's agents."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = [pytest.mark.asterisk, pytest.mark.both_stores]


async def test_two_unknown_callers_go_to_bob_then_carol(office: Office, stop_parties: None) -> None:
    cli = office.system.cli
    cli("number", "routing", OFFICE_NUMBER, "--mode", "round-robin", "--agents", "Bob,Carol")
    office.system.start_asterisk()
    office.system.start_service()

    first = await office.call("+12125550177")
    second = await office.call("+12125550178")

    assert (first.rung, first.answered) == (["Bob"], ["Bob"])
    assert (second.rung, second.answered) == (["Carol"], ["Carol"])
    for caller, agent in (("+12125550177", "Bob"), ("+12125550178", "Carol")):
        (lead,) = json.loads(cli("contact", "show", caller, "--json").output)
        assert lead["source"] == f"phone-call:{OFFICE_NUMBER}"
        call = await office.completed_call(caller)
        assert call["detail"]["decision"]["strategy"] == "round-robin"
        assert call["detail"]["decision"]["new_lead"] is True
        assert call["detail"]["answered_by"] == agent
