"""A known contact's call rings the agent who last called or texted them: not the agent
who emailed them more recently, nor the office's default."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = [pytest.mark.asterisk, pytest.mark.both_stores]


async def test_call_rings_the_agent_who_last_texted(office: Office, stop_parties: None) -> None:
    cli = office.system.cli
    cli("contact", "add", "Ann", "--phone", "+12125550150")
    cli(
        "activity",
        "add",
        "--contact",
        "+12125550150",
        "--agent",
        "Bob",
        "--kind",
        "text",
        "--direction",
        "outbound",
        "--detail",
        "See you at the open house",
    )
    cli(
        "activity",
        "add",
        "--contact",
        "+12125550150",
        "--agent",
        "Carol",
        "--kind",
        "email",
        "--direction",
        "outbound",
        "--detail",
        "Newsletter",
    )
    office.system.start_asterisk()
    office.system.start_service()

    result = await office.call("+12125550150")

    assert result.caller.succeeded, result.caller.output
    assert result.rung == ["Bob"]
    assert result.answered == ["Bob"]
    (invite,) = result.phones["Bob"].requests("INVITE")
    assert "+12125550150" in invite.headers["from"]  # Bob's phone shows the caller's number
    call = await office.completed_call("+12125550150")
    assert call["agent"] == "Bob"
    assert call["smart_number"] == OFFICE_NUMBER
    assert call["detail"]["decision"]["rule"] == "recent-call-or-text"
    assert call["detail"]["answered_by"] == "Bob"
    assert call["detail"]["talk_seconds"] is not None
    decisions = [e for e in office.system.service_log() if e.get("message") == "call routed"]
    assert decisions[-1]["decision"]["agents"] == ["Bob"]  # one structured line per decision
    # Asterisk said when it asked (AGI argument 2): the budget and this figure count from it
    assert decisions[-1]["asked_clock"] == "asterisk", decisions[-1]
    assert 0 <= decisions[-1]["answered_after_ms"] < 800
