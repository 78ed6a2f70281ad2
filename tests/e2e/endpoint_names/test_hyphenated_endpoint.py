"""Endpoint names may contain '-' (PJSIP/mary-ann): the dialplan's safe-character check
must let them through, not send the call to the fallback. (FILTER() reads a '-' that is
not in first place as the start of a range, and silently dropped it.)"""

from __future__ import annotations

import pytest

from lab.ports import free_udp_port
from smartnumber.demo.sipp import place_call
from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk

MARY = "127.0.0.6"


async def test_a_hyphenated_endpoint_is_rung(office: Office, stop_parties: None) -> None:
    port = free_udp_port(MARY)
    cli = office.system.cli
    cli(
        "agent",
        "add",
        "Mary Ann",
        "--cell",
        "+12125550106",
        "--office",
        "Main",
        "--endpoint",
        "PJSIP/mary-ann",
        "--sip-contact",
        f"sip:{MARY}:{port}",
    )
    cli("number", "routing", OFFICE_NUMBER, "--mode", "agent", "--agents", "Mary Ann")
    office.system.start_asterisk()
    office.system.start_service()

    caller = office.system.caller(OFFICE_NUMBER, caller_id="+12125550177")
    result = await place_call(
        caller, {"Mary Ann": office.system.phone(MARY, port), "Alice": office.phone("Alice")}
    )
    assert result.answered == ["Mary Ann"]  # not Alice, the office's fallback
