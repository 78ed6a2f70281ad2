"""The agent a contact's call belongs to is inactive: a company admin takes it."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Office

pytestmark = pytest.mark.asterisk


async def test_call_for_an_inactive_agent_rings_the_admin(
    office: Office, stop_parties: None
) -> None:
    cli = office.system.cli
    cli("contact", "add", "Ann", "--phone", "+12125550150", "--owner", "Carol")
    cli(
        "activity",
        "add",
        "--contact",
        "+12125550150",
        "--agent",
        "Carol",
        "--kind",
        "call",
        "--direction",
        "outbound",
    )
    cli("agent", "deactivate", "Carol")
    office.system.start_asterisk()
    office.system.start_service()

    result = await office.call("+12125550150")

    assert result.rung == ["Alice"]
    assert result.answered == ["Alice"]
    call = await office.completed_call("+12125550150")
    assert call["detail"]["decision"]["redirect"] == "inactive-agent-admin"
    assert "Carol is inactive" in call["detail"]["decision"]["reason"]
    (ann,) = json.loads(cli("contact", "show", "+12125550150", "--json").output)
    assert ann["owner"] == "Main"  # ownership kept on Carol's entity (her office)
