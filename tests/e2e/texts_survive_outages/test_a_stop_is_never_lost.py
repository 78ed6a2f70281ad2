"""A STOP is honoured however the system is when it arrives: with the routing service
stopped, with the database locked by another process for 15 s, sent twice by the
carrier. Asterisk always answers the carrier 202 at once; the text is kept (by the
service, or in the dialplan's spool) and handled once things are back -- once."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from lab.raw_sip import request
from lab.system import TRUNK_ADDRESS
from smartnumber import media
from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import (
    Inbox,
    register_for_texting,
    send_text,
    texts_handled,
    wait_handled,
)

pytestmark = pytest.mark.asterisk

GRACE = "+12125550150"


@pytest.fixture
def office_with_grace(office: Office) -> Office:
    register_for_texting(office.system, OFFICE_NUMBER)
    office.system.cli("contact", "add", "Grace Hopper", "--phone", GRACE, "--owner", "Bob")
    office.system.start_asterisk()
    return office


def subscription(office: Office) -> str:
    [contact] = json.loads(office.system.cli("contact", "show", GRACE, "--json").output)
    return str(contact["phones"][0]["subscription"])


def spooled(office: Office) -> list[str]:
    spool = media.inbox_dir(office.system.db.parent / "media")
    return sorted(p.name for p in spool.glob("text-*.txt"))


async def kept_in_spool(office: Office, timeout: float = 10.0) -> list[str]:
    """The spool once the dialplan has written to it: Asterisk answers the carrier 202
    before the dialplan runs, so the file comes a moment after."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (kept := spooled(office)):
        assert loop.time() < deadline, "the dialplan spooled nothing"
        await asyncio.sleep(0.05)
    return kept


async def test_a_stop_sent_while_the_service_is_down_is_honoured_when_it_starts(
    office_with_grace: Office, stop_parties: None
) -> None:
    system = office_with_grace.system
    await send_text(system, OFFICE_NUMBER, GRACE, "STOP", handled=False)  # Asterisk: 202
    [kept] = await kept_in_spool(office_with_grace)  # the dialplan kept it: nobody else could
    assert kept.startswith("text-")
    assert subscription(office_with_grace) == "subscribed"  # nothing handled it yet
    async with Inbox(system) as inbox:
        system.start_service()
        [confirmation] = await inbox.texts(handled=1)
    assert confirmation.to == GRACE and "unsubscribed" in confirmation.body
    assert subscription(office_with_grace) == "unsubscribed"
    assert spooled(office_with_grace) == []  # fetched, then removed
    refused = system.cli("text", "send", "--agent", "Bob", "--to", GRACE, "hi", ok=False)
    assert "opted out" in refused.output


async def test_a_stop_sent_while_the_database_is_locked_for_15_s_is_honoured_after(
    office_with_grace: Office, stop_parties: None
) -> None:
    system = office_with_grace.system
    system.start_service()
    other = sqlite3.connect(system.db, isolation_level=None, timeout=30)
    async with Inbox(system) as inbox:
        other.execute("BEGIN EXCLUSIVE")
        try:
            loop = asyncio.get_running_loop()
            locked_until = loop.time() + 15
            await send_text(system, OFFICE_NUMBER, GRACE, "STOP", handled=False)
            while not spooled(office_with_grace):  # the service could not keep it in time
                assert loop.time() < locked_until, "the text was neither kept nor spooled"
                await asyncio.sleep(0.1)
            await asyncio.sleep(max(0.0, locked_until - loop.time()))  # the lock's 15 s
            assert texts_handled(system) == 0
        finally:
            other.execute("COMMIT")
            other.close()
        [confirmation] = await inbox.texts(handled=1, timeout=30)
    assert confirmation.to == GRACE and "unsubscribed" in confirmation.body
    assert subscription(office_with_grace) == "unsubscribed"


async def test_a_text_the_carrier_sends_twice_is_handled_once(
    office_with_grace: Office, stop_parties: None
) -> None:
    """The same MESSAGE (Call-ID and CSeq) again, as a carrier does when it missed our
    202: one text, one confirmation."""
    system = office_with_grace.system
    system.start_service()
    target = ("127.0.0.1", int(system.settings["sip.port"]))
    async with Inbox(system) as inbox:
        for _ in range(2):
            status = await request(
                "MESSAGE",
                source=TRUNK_ADDRESS,
                target=target,
                to_user=OFFICE_NUMBER,
                from_header=f"<sip:{GRACE}@{TRUNK_ADDRESS}>",
                body="STOP",
                call_id="same-message-twice@carrier",
            )
            assert status == 202
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while len(kept := [e for e in system.service_log() if e.get("message") == "text kept"]) < 2:
            assert loop.time() < deadline, kept
            await asyncio.sleep(0.05)
        assert [e["duplicate"] for e in kept] == [False, True]
        [confirmation] = await inbox.texts(handled=1)
    assert "unsubscribed" in confirmation.body
    await wait_handled(system, 1)
    assert texts_handled(system) == 1
