"""Texts leave from the outbox: with Asterisk (so the AMI) down, `text send` returns at
once saying the text is queued; once Asterisk is back the routing service delivers it;
an opt-out that arrives meanwhile cancels what waits for that number."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import FIRST, Inbox, outbox, register_for_texting

pytestmark = pytest.mark.asterisk

GRACE = "+13105550150"
ALAN = "+13105550151"


async def test_a_text_sent_while_asterisk_is_down_waits_and_goes_when_it_is_back(
    office: Office, stop_parties: None
) -> None:
    system = office.system
    register_for_texting(system, OFFICE_NUMBER)
    system.cli("contact", "add", "Grace Hopper", "--phone", GRACE, "--owner", "Bob")
    system.cli("contact", "add", "Alan Turing", "--phone", ALAN, "--owner", "Bob")
    system.start_service(wait_for_ami=False)  # and no Asterisk at all

    async with Inbox(system) as inbox:  # the carrier's side is up; Asterisk is not
        started = time.monotonic()
        said = system.cli("text", "send", "--agent", "Bob", "--to", GRACE, "See you at 5")
        assert time.monotonic() - started < 2.0
        assert said.output.startswith(f"queued for {GRACE} from {OFFICE_NUMBER}")
        system.cli("text", "send", "--agent", "Bob", "--to", ALAN, "Open house Sunday")
        [entry] = [e for e in office.timeline(GRACE) if e["kind"] == "text"]
        assert entry["detail"]["status"] == "queued"  # never "sent" before it was
        # Alan opts out while his text waits (the same path as a text from the trunk).
        system.cli("text", "inject", "--from", ALAN, "--to", OFFICE_NUMBER, "STOP")
        waiting = json.loads(system.cli("text", "queue", "--json").output)
        assert sorted(t["to"] for t in waiting) == sorted([GRACE, ALAN, ALAN])  # + STOP reply

        system.start_asterisk()  # the service's AMI link comes up; the outbox drains
        got = await inbox.texts(handled=0, timeout=60)
    assert [(t.to, t.body) for t in got if t.to == GRACE] == [(GRACE, "See you at 5" + FIRST)]
    assert [t.to for t in got if t.to == ALAN and "unsubscribed" in t.body] == [ALAN]
    assert not [t for t in got if t.body.startswith("Open house Sunday")]  # cancelled by his STOP
    [entry] = [e for e in office.timeline(GRACE) if e["kind"] == "text"]
    assert entry["detail"]["status"] == "sent"
    cancelled = [t for t in outbox(system) if t["status"] == "cancelled"]
    assert [(t["to"], t["reason"]) for t in cancelled] == [
        (ALAN, "the contact opted out before it went")
    ]
