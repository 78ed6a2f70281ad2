"""The CRM's door end to end, through the private Asterisk and sipp: a call to a Smart
Number reaches the CRM as call.routed then call.ended; a STOP over the trunk as
contact.opted_out; POST /v1/calls rings the agent's phone, then the contact's, and its
progress and outcome arrive as events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from lab.receiver import Receiver
from smartnumber.demo.sipp import place_call
from tests.e2e.click_to_call.conftest import CONTACT
from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import GRACE, Inbox, add_grace, register_for_texting, send_text

pytestmark = [pytest.mark.asterisk, pytest.mark.both_stores]
EVENTS = [
    "call.routed",
    "call.ended",
    "contact.opted_out",
    "text.received",
    "text.sent",
    "lead.created",
    "click_to_call.progress",
    "recording.created",
]


@pytest.fixture
async def door(office: Office) -> AsyncIterator[tuple[Office, httpx.AsyncClient, Receiver]]:
    """Asterisk, the routing service and the API up; the CRM subscribed to its events."""
    register_for_texting(office.system, OFFICE_NUMBER)
    office.system.start_asterisk()
    office.system.start_service()
    office.system.start_api()
    receiver = Receiver()
    await receiver.start()
    token = office.system.token("crm", "integration")
    async with httpx.AsyncClient(
        base_url=office.system.api_url, headers={"authorization": f"Bearer {token}"}
    ) as client:
        made = await client.post("/v1/webhooks", json={"url": receiver.url, "events": EVENTS})
        assert made.status_code == 201, made.text
        receiver.secret = made.json()["secret"]
        yield office, client, receiver
    await receiver.stop()


async def test_a_call_is_routed_then_ends(
    door: tuple[Office, httpx.AsyncClient, Receiver], stop_parties: None
) -> None:
    office, _, receiver = door
    add_grace(office)
    result = await office.call(GRACE)
    [answered] = result.answered

    [routed] = await receiver.wait_for("call.routed")
    [ended] = await receiver.wait_for("call.ended")
    assert answered in routed.data["agents"] and routed.data["caller"] == GRACE
    assert routed.data["smart_number"] == OFFICE_NUMBER and routed.data["rule"]
    assert ended.data["call_id"] == routed.data["call_id"]
    assert ended.data["outcome"] == "answered" and ended.data["answered_by"] == answered
    assert ended.data["talk_seconds"] >= 0
    order = [r.type for r in receiver.received if r.type.startswith("call.")]
    assert order == ["call.routed", "call.ended"]
    assert receiver.refused == []


async def test_a_recorded_call_names_its_recording_which_the_crm_can_fetch(
    door: tuple[Office, httpx.AsyncClient, Receiver], stop_parties: None
) -> None:
    office, client, receiver = door
    office.system.cli("number", "config", OFFICE_NUMBER, "--record")
    caller = office.system.caller(
        OFFICE_NUMBER, caller_id=GRACE, scenario_name="caller-speaks", hold_ms=3000, timeout_s=60
    )
    result = await place_call(caller, {"Alice": office.phone("Alice")})
    assert result.answered == ["Alice"], result

    [ended] = await receiver.wait_for("call.ended")
    [recorded] = await receiver.wait_for("recording.created", timeout=30)
    assert ended.data["recording_id"] == recorded.data["recording_id"]
    assert recorded.data["call_id"] == ended.data["call_id"] and recorded.data["seconds"] > 1
    url = f"/v1/recordings/{recorded.data['recording_id']}/audio"
    whole = await client.get(url)
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
    assert whole.content[:4] == b"RIFF"
    part = await client.get(url, headers={"range": "bytes=0-43"})
    assert part.status_code == 206 and part.content == whole.content[:44]
    listed = (await client.get("/v1/recordings")).json()["recordings"]
    assert [r["id"] for r in listed] == [recorded.data["recording_id"]]
    assert "path" not in listed[0]  # where it lies on the server is not the CRM's business


async def test_a_stop_over_the_trunk_opts_the_contact_out(
    door: tuple[Office, httpx.AsyncClient, Receiver], stop_parties: None
) -> None:
    office, client, receiver = door
    add_grace(office)
    async with Inbox(office.system) as inbox:
        await send_text(office.system, OFFICE_NUMBER, GRACE, "STOP")
        [confirmation] = await inbox.texts(handled=1)
    assert "unsubscribed" in confirmation.body
    [opted_out] = await receiver.wait_for("contact.opted_out")
    assert opted_out.data["number"] == GRACE
    [grace] = (await client.get("/v1/contacts", params={"phone": GRACE})).json()["contacts"]
    assert opted_out.data["contact_id"] == grace["id"]
    assert grace["phones"][0]["subscription"] == "unsubscribed"
    [sent] = await receiver.wait_for("text.sent")
    assert sent.data["to"] == GRACE and sent.data["purpose"] == "confirmation"


async def placing_over(office: Office, call_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """The routing service's log line once it has followed the click-to-call to its end
    (the API kept the request; the service claimed and placed it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for line in office.system.service_log():
            if line.get("message") == "click-to-call over" and line.get("call_id") == call_id:
                return line
        assert loop.time() < deadline, "the service did not finish following the call"
        await asyncio.sleep(0.1)


async def test_post_calls_rings_the_agent_then_the_contact(
    door: tuple[Office, httpx.AsyncClient, Receiver], stop_parties: None
) -> None:
    office, client, receiver = door
    bob = office.phone("Bob")
    contact = office.system.carrier(scenario_name="answers-hangs-up", hold_ms=1500)
    for party in (bob, contact):
        await party.start()
    for party in (bob, contact):
        await party.listening()

    started = await client.post("/v1/calls", json={"to": "(310) 555-0188", "agent": "Bob"})
    assert started.status_code == 202, started.text
    call_id = started.json()["call_id"]
    assert started.json()["to"] == CONTACT and started.json()["caller_id"] == OFFICE_NUMBER

    await receiver.wait_for("call.ended", timeout=30)
    over = await placing_over(office, call_id)  # the API published all it would
    await receiver.wait_for("click_to_call.progress", count=len(over["published"]))
    # call.ended comes last: a stage seen after the outcome was recorded is not sent
    last = [r.type for r in receiver.received if "call" in r.type][-1]
    assert last == "call.ended", [r.type for r in receiver.received]
    progress = [r.data for r in receiver.of_type("click_to_call.progress")]
    assert all(p["call_id"] == call_id for p in progress)
    stages = [p["status"] for p in progress]
    expected = ["agent ringing", "agent answered", "dialling contact", "contact ringing"]
    expected.append("connected")
    assert [s for s in stages if s in expected] == expected, stages
    [ended] = receiver.of_type("call.ended")
    assert ended.data["direction"] == "outbound" and ended.data["outcome"] == "answered"
    # One id from the 202 to the last webhook, and the outcome in words.
    assert ended.data["call_key"] == call_id and ended.data["result"] == "answered"
    assert ended.data["said"].startswith("Lead +13105550188 answered; Bob talked with them")
    assert ended.data["answered_by"] == "Lead +13105550188"
    [lead] = receiver.of_type("lead.created")
    assert lead.data["phones"] == [CONTACT] and lead.data["source"] == "click-to-call"

    for party in (bob, contact):
        await party.stop()
    seen_bob, seen_contact = await bob.wait(timeout=5), await contact.wait(timeout=5)
    [to_bob] = seen_bob.requests("INVITE")
    [to_contact] = seen_contact.requests("INVITE")
    assert to_bob.from_user == CONTACT and to_contact.from_user == OFFICE_NUMBER
