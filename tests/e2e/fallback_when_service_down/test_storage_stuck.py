"""The service is up but its database is locked by another writer: the call still rings
by rule (the decision reads a snapshot, and what the call writes waits until after the
answer), and lands on the timeline, completed, once the database is free again. Only a
call that needs a write before it can be answered -- a round-robin turn -- takes the
number's fallback within the routing budget meanwhile."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk


async def test_a_locked_database_still_routes_by_rule(office: Office, stop_parties: None) -> None:
    cli = office.system.cli
    cli("contact", "add", "Ann", "--phone", "+12125550150")
    cli("number", "routing", OFFICE_NUMBER, "--mode", "agent", "--agents", "Carol")
    office.system.start_asterisk()
    office.system.start_service()

    other = sqlite3.connect(office.system.db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        stuck = await office.call("+12125550150")
        assert office.timeline("+12125550150") == []  # nothing written meanwhile
    finally:
        other.execute("COMMIT")
        other.close()
    assert stuck.answered == ["Carol"]  # the number's own setting, as if nothing held it
    call = await office.completed_call("+12125550150", timeout=20)
    assert call["detail"]["decision"]["rule"] == "number-routing"
    assert call["detail"]["status"] == "answered" and call["agent"] == "Carol"


async def test_a_round_robin_turn_behind_a_lock_falls_back_then_recovers(
    office: Office, stop_parties: None
) -> None:
    cli = office.system.cli
    cli("contact", "add", "Ann", "--phone", "+12125550150")
    cli("number", "routing", OFFICE_NUMBER, "--mode", "round-robin", "--agents", "Bob,Carol")
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
    assert "routing took longer than 800 ms" in call["detail"]["reason"]

    routed = await office.call("+12125550177")  # a new caller: the turn moves again
    assert routed.answered == ["Bob"]
