"""The carrier is recognised by the address it sends from, never by a name it claims.

An attacker on another loopback address sends what used to work: a MESSAGE whose From
user is `trunk` with a contact's number dressed up as the display name, and an INVITE
posing as the trunk. Asterisk refuses both before any dialplan runs, and nothing reaches
the timeline or an agent. The real trunk address is the control: its text is taken.
"""

from __future__ import annotations

import json

import pytest

from lab.raw_sip import request
from lab.system import TRUNK_ADDRESS
from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import Inbox, register_for_texting, send_text

pytestmark = pytest.mark.asterisk

GRACE = "+12125550150"
ATTACKER = "127.0.0.6"
FORGED_FROM = f'"sip:{GRACE}@evil" <sip:trunk@{ATTACKER}>'


def asterisk(office: Office) -> tuple[str, int]:
    return ("127.0.0.1", int(office.system.settings["sip.port"]))


def subscription(office: Office) -> str:
    [contact] = json.loads(office.system.cli("contact", "show", GRACE, "--json").output)
    return str(contact["phones"][0]["subscription"])


async def test_a_text_posing_as_the_trunk_from_elsewhere_is_refused(
    texting: Office, stop_parties: None
) -> None:
    system = texting.system
    system.cli("contact", "add", "Grace Hopper", "--phone", GRACE, "--owner", "Bob")
    async with Inbox(system) as inbox:
        for body in ("STOP", "Bob, new wire details for the deposit: ..."):
            status = await request(
                "MESSAGE",
                source=ATTACKER,
                target=asterisk(texting),
                to_user=OFFICE_NUMBER,
                from_header=FORGED_FROM,
                body=body,
            )
            assert status in (401, 403), status
        # The control: the same words from the carrier's real address are taken.
        await send_text(system, OFFICE_NUMBER, GRACE, "Is the house still available?")
        got = await inbox.texts(handled=1)
    assert [t.body for t in got] == [f"Grace Hopper ({GRACE}): Is the house still available?"]
    timeline = texting.timeline(GRACE)
    assert [e["detail"]["text"] for e in timeline] == ["Is the house still available?"]
    assert subscription(texting) == "subscribed"


async def test_a_call_posing_as_the_trunk_from_elsewhere_never_rings_anyone(
    texting: Office, stop_parties: None
) -> None:
    system = texting.system
    status = await request(
        "INVITE",
        source=ATTACKER,
        target=asterisk(texting),
        to_user=OFFICE_NUMBER,
        from_header=f'"{GRACE}" <sip:trunk@{ATTACKER}>',
    )
    assert status in (401, 403), status
    assert not [e for e in system.service_log() if e.get("message") == "call routed"]
    # Control: a call from the trunk's address is routed as ever.
    result = await texting.call(GRACE)
    assert result.answered, result.caller.output
    assert len([e for e in system.service_log() if e.get("message") == "call routed"]) == 1


async def test_an_agents_name_from_another_address_is_refused(
    texting: Office, stop_parties: None
) -> None:
    """Agents' phones at fixed addresses are identified by that address, with a password:
    their endpoint name from elsewhere is no way in either."""
    for user in ("alice", "bob"):
        status = await request(
            "INVITE",
            source=ATTACKER,
            target=asterisk(texting),
            to_user=OFFICE_NUMBER,
            from_header=f"<sip:{user}@{ATTACKER}>",
        )
        assert status in (401, 403), (user, status)


async def test_from_the_trunk_the_sender_is_the_uri_user_not_the_display_name(
    texting: Office, stop_parties: None
) -> None:
    system = texting.system
    system.cli("contact", "add", "Grace Hopper", "--phone", GRACE, "--owner", "Bob")
    stranger = "+13105550199"
    async with Inbox(system) as inbox:
        for from_header in (
            f'"sip:{GRACE}@evil" <sip:{stranger}@{TRUNK_ADDRESS}>',
            f'"{GRACE}" <sip:anonymous@{TRUNK_ADDRESS}>',  # not a phone number: refused
        ):
            status = await request(
                "MESSAGE",
                source=TRUNK_ADDRESS,
                target=asterisk(texting),
                to_user=OFFICE_NUMBER,
                from_header=from_header,
                body="STOP",
            )
            assert status == 202
        got = await inbox.texts(handled=1)
    # The stranger's STOP is confirmed to the stranger; Grace is untouched.
    assert [(t.to, "unsubscribed" in t.body) for t in got] == [(stranger, True)]
    assert subscription(texting) == "subscribed"
    assert texting.timeline(GRACE) == []
    refused = [e for e in system.service_log() if e.get("message") == "text refused"]
    assert [e["reason"] for e in refused] == ["the sender is not a phone number"]


async def test_with_trunk_credentials_the_carrier_must_also_authenticate(
    office: Office, stop_parties: None
) -> None:
    system = office.system
    register_for_texting(system, OFFICE_NUMBER)
    system.cli("settings", "set", "trunk.username", "carrier")
    system.set_secret("trunk.password", "carrier-digest-password")
    system.start_asterisk()
    system.start_service()
    send = {
        "source": TRUNK_ADDRESS,
        "target": asterisk(office),
        "to_user": OFFICE_NUMBER,
        "from_header": f"<sip:{GRACE}@{TRUNK_ADDRESS}>",
        "body": "STOP",
    }
    assert await request("MESSAGE", **send) == 401  # the right address is not enough
    wrong = ("carrier", "not-the-password-at-all")
    assert await request("MESSAGE", **send, credentials=wrong) in (401, 403)
    async with Inbox(system) as inbox:
        right = ("carrier", "carrier-digest-password")
        assert await request("MESSAGE", **send, credentials=right) == 202
        [confirmation] = await inbox.texts(handled=1)
    assert confirmation.to == GRACE and "unsubscribed" in confirmation.body
