"""Caller IDs that try to smuggle dial strings or dialplan are unknown callers: they ring
only the number's own destination, and no extra call leg is ever created."""

from __future__ import annotations

import pytest

from lab.ami import watch
from tests.e2e.conftest import Office

pytestmark = pytest.mark.asterisk

# Every character here is legal in the user part of a SIP URI (RFC 3261 user-unreserved).
HOSTILE = ["2125550150&PJSIP/bob", "2125550150,5,U(x)", "$(SHELL(id))&PJSIP/carol"]


@pytest.mark.parametrize("caller_id", HOSTILE)
async def test_hostile_caller_id_rings_only_the_routed_agent(
    office: Office, stop_parties: None, caller_id: str
) -> None:
    office.system.start_asterisk()
    office.system.start_service()
    async with watch(**office.system.watcher_credentials()) as ami:
        result = await office.call(caller_id)
        await ami.wait_for(
            lambda e: e.get("Event") == "Hangup" and e.get("Channel", "").startswith("PJSIP/trunk-")
        )

    assert result.caller.succeeded, result.caller.output
    assert result.rung == ["Alice"]  # the office number's fallback agent, from the database
    legs = [e["DestChannel"] for e in ami.named("DialBegin")]
    assert len(legs) == 1 and legs[0].startswith("PJSIP/alice-")
    routed = [e for e in office.system.service_log() if e.get("message") == "call routed"]
    assert "Caller ID missing or not a phone number" in routed[-1]["reason"]
