"""Routing works while the service runs; once it stops, calls take the fallback."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk


async def test_calls_fall_back_when_the_service_stops(office: Office, stop_parties: None) -> None:
    office.system.cli("number", "routing", OFFICE_NUMBER, "--mode", "agent", "--agents", "Carol")
    office.system.start_asterisk()
    office.system.start_service()
    routed = await office.call("+12125550177")
    assert routed.answered == ["Carol"]

    office.system.stop_service()
    fallback = await office.call("+12125550178")
    assert fallback.caller.succeeded, fallback.caller.output
    assert fallback.rung == ["Alice"]  # the number's fallback destination: the office admin
    assert fallback.answered == ["Alice"]
