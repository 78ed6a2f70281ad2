"""The service answers a call first and writes it right after. Killed in between -- here
it cannot write at all, another writer holds the database -- the call still rings the
agent by rule, and once the service is back the call is on the contact's timeline as it
would have been, completed, from the copy the answer left in Asterisk's CDR."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office

pytestmark = pytest.mark.asterisk

CALLER = "+12125550150"


async def test_a_call_answered_just_before_the_service_died_is_written_from_its_cdr(
    office: Office, stop_parties: None
) -> None:
    system = office.system
    system.cli("contact", "add", "Ann", "--phone", CALLER)
    system.cli("activity", "add", "--contact", CALLER, "--agent", "Bob", "--kind", "call",
               "--direction", "outbound")  # fmt: skip
    system.start_asterisk()
    system.start_service()
    before = [e["id"] for e in office.timeline(CALLER)]
    other = sqlite3.connect(str(system.db), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # nobody else writes until this ends
    try:
        bob = office.phone("Bob")
        await bob.start()
        await bob.listening()
        caller = system.caller(OFFICE_NUMBER, caller_id=CALLER, hold_ms=1500)
        await caller.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while not [e for e in system.service_log() if e.get("message") == "call routed"]:
            assert loop.time() < deadline, system.service_log()  # decided on a snapshot
            await asyncio.sleep(0.05)
        system.kill_service()  # answered, not written: the write waits for the lock
        assert (await caller.wait()).succeeded
        assert (await bob.wait()).succeeded  # rung by rule: he called Ann last
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [e["id"] for e in office.timeline(CALLER)] == before  # nothing was written

    system.start_service()  # reconciles from the CDR at start
    call = await office.completed_call(CALLER, timeout=20)
    assert call["id"] not in before
    assert call["agent"] == "Bob" and call["smart_number"] == OFFICE_NUMBER
    assert call["detail"]["decision"]["rule"] == "recent-call-or-text"
    assert call["detail"]["status"] == "answered" and call["detail"]["outcome_from"] == "cdr"
    assert [e for e in system.service_log() if e.get("message") == "call written from its CDR"]
