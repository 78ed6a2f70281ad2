"""Ring several at once: a group's agents and the number's forward ring together, and the
first to answer takes the call."""

from __future__ import annotations

import pytest

from smartnumber.demo.sipp import place_call
from tests.e2e.call_handling.conftest import configure
from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk

CALLER = "+12125550177"
FORWARD = "+14155550123"


async def test_group_and_forward_ring_together_and_the_first_answer_wins(
    office: Office, stop_parties: None
) -> None:
    office.system.cli(
        "number", "routing", OFFICE_NUMBER, "--mode", "group", "--agents", "Bob,Carol"
    )
    configure(office, "--forward-to", FORWARD, "--forward-when", "together", "--timeout", "15")
    phones = {
        "Bob": office.phone("Bob", "agent-rings"),
        "Carol": office.phone("Carol", "agent-rings"),
        "cell": office.system.carrier(),  # the forward, through the trunk: answers
    }
    caller = office.system.caller(OFFICE_NUMBER, caller_id=CALLER, hold_ms=500)
    result = await place_call(caller, phones)

    assert result.caller.succeeded, result.caller.output
    assert sorted(result.rung) == ["Bob", "Carol", "cell"]
    assert result.answered == ["cell"]
    offered = [result.phones[name].requests("INVITE")[0].at for name in phones]
    assert all(offered) and (max(offered) - min(offered)).total_seconds() < 1  # at once
    for name in ("Bob", "Carol"):
        assert result.phones[name].requests("CANCEL")  # stopped ringing when the cell answered
    call = await office.completed_call(CALLER)
    assert call["detail"]["status"] == "answered"
    assert call["detail"]["answered_number"] == FORWARD
