"""The service is up but its database is locked by another writer: the call takes the
number's fallback within the routing budget, and lands on the timeline once the
database is free again; the next call routes normally."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk


async def test_locked_database_falls_back_then_recovers(office: Office, stop_parties: None) -> None:
    cli = office.system.cli
    cli("contact", "add", "Ann", "--phone", "+12125550150")
    cli("number", "routing", OFFICE_NUMBER, "--mode", "agent", "--agents", "Carol")
    office.system.start_asterisk()
    office.system.start_service()

    other = sqlite3.connect(office.system.db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        stuck = await office.call("+12125550150")
    finally:
        other.execute("COMMIT")
        other.close()
    assert stuck.answered == ["Alice"]  # the number's fallback destination
    call = await office.completed_call("+12125550150")
    assert call["detail"]["routing_status"] == "FALLBACK"
    assert "routing took longer than 300 ms" in call["detail"]["reason"]

    # Ann's call is now Alice's (she answered it last); a new caller shows that
    # routing itself is back: the number's own setting, Carol.
    routed = await office.call("+12125550177")
    assert routed.answered == ["Carol"]
