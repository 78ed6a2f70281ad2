"""Only the carrier may post to its webhooks: unsigned, badly signed, stale (Telnyx) or
signed for another URL (Twilio) requests are refused with 403 and logged, and nothing of
them is kept; behind a proxy, Twilio's signature is checked against api.public_url."""

from __future__ import annotations

import time

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smartnumber.texting.carriers.signatures import twilio_signature
from tests.e2e.carriers.conftest import CELLS, GRACE, OFFICE_NUMBER, Line


async def forged(line: Line, how: str) -> httpx.Response:
    """An inbound text from GRACE saying `how`, posted without a valid signature."""
    carrier = line.carrier
    if line.kind == "telnyx":
        payload = carrier.telnyx_inbound(GRACE, OFFICE_NUMBER, how)
        if how == "unsigned":
            return await carrier.telnyx_webhook(
                line.inbound_url, "message.received", payload, signed=False
            )
        if how == "stale":
            stamp = int(time.time()) - 600
            return await carrier.telnyx_webhook(
                line.inbound_url, "message.received", payload, timestamp=stamp
            )
        other = Ed25519PrivateKey.generate()
        return await carrier.telnyx_webhook(
            line.inbound_url, "message.received", payload, signer=other
        )
    params = carrier.twilio_inbound(GRACE, OFFICE_NUMBER, how)
    if how == "unsigned":
        return await carrier.twilio_webhook(line.inbound_url, params, signed=False)
    if how == "stale":  # Twilio has no timestamp: a signature over another URL instead
        async with httpx.AsyncClient() as client:
            signature = twilio_signature(carrier.twilio_token, line.status_url, params)
            return await client.post(
                line.inbound_url, data=params, headers={"x-twilio-signature": signature}
            )
    return await carrier.twilio_webhook(line.inbound_url, params, token="0" * 32)


async def test_forged_webhooks_are_refused_logged_and_not_kept(line: Line) -> None:
    for how in ("unsigned", "stale", "other-key"):
        answer = await forged(line, how)
        assert answer.status_code == 403, (how, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    refusals = [e for e in line.system.api_log() if e.get("message") == "carrier webhook refused"]
    assert len(refusals) == 3
    await line.text_in(GRACE, "the real one")  # behind the forged ones in the inbox, if kept
    [forward] = await line.taken(lambda t: t.to == CELLS["Bob"])
    assert forward.body.endswith("the real one")
    inbound = [e for e in line.timeline(GRACE) if e["kind"] == "text"]
    assert [e["detail"]["text"] for e in inbound] == ["the real one"]


async def test_an_unknown_carrier_is_404_and_a_body_that_is_not_the_providers_400(
    line: Line,
) -> None:
    async with httpx.AsyncClient() as client:
        missing = await client.post(f"{line.system.api_url}/v1/carriers/nobody/inbound", json={})
    assert missing.status_code == 404
    if line.kind == "telnyx":
        answer = await line.carrier.telnyx_webhook(line.inbound_url, "message.received", {})
    else:
        answer = await line.carrier.twilio_webhook(line.inbound_url, {"Body": "no sid"})
    assert answer.status_code == 400  # signed, but not a messaging webhook: nothing kept


async def test_receipts_are_taken_at_either_url(line: Line) -> None:
    """Telnyx posts every event to the one URL of the messaging profile."""
    await line.system.acli("text", "send", "--agent", "Bob", "--to", GRACE, "Hello")
    [taken] = await line.taken(lambda t: t.to == GRACE)
    taken.status_url = line.inbound_url
    assert (await line.carrier.receipt(taken, "delivered")).status_code == 200
    await line.entry(GRACE, lambda e: e["detail"].get("status") == "delivered")


async def test_behind_a_proxy_twilio_signs_the_public_url(line: Line) -> None:
    line.system.cli("settings", "set", "api.public_url", "https://sn.example.com")
    if line.kind == "telnyx":  # Telnyx signs the body, not the URL: the proxy changes nothing
        assert (await line.text_in(GRACE, "via the proxy"))[0].status_code == 200
        await line.taken(lambda t: t.to == CELLS["Bob"] and t.body.endswith("via the proxy"))
        return
    params = line.carrier.twilio_inbound(GRACE, OFFICE_NUMBER, "via the proxy")
    public = "https://sn.example.com/v1/carriers/acme-sms/inbound"
    async with httpx.AsyncClient() as client:
        by_loopback = await line.carrier.twilio_webhook(line.inbound_url, params)
        assert by_loopback.status_code == 403  # what we see is not what Twilio signed
        signature = twilio_signature(line.carrier.twilio_token, public, params)
        answer = await client.post(
            line.inbound_url, data=params, headers={"x-twilio-signature": signature}
        )
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    await line.taken(lambda t: t.to == CELLS["Bob"] and t.body.endswith("via the proxy"))


async def test_a_carrier_speaks_only_for_the_numbers_it_carries(line: Line) -> None:
    async def text_to(number: str) -> httpx.Response:
        if line.kind == "telnyx":
            payload = line.carrier.telnyx_inbound(GRACE, number, "hi")
            return await line.carrier.telnyx_webhook(line.inbound_url, "message.received", payload)
        params = line.carrier.twilio_inbound(GRACE, number, "hi")
        return await line.carrier.twilio_webhook(line.inbound_url, params)

    line.system.cli("number", "add", "+12125550199", "--scope", "office", "--owner", "Main")
    for number in ("+12125550199", "+12125550188", "not a number"):  # on the trunk; not ours
        answer = await text_to(number)
        assert answer.status_code == 403 and "does not carry" in answer.json()["detail"]
    line.system.cli("number", "config", OFFICE_NUMBER, "--sms-carrier", "sip")
    assert (await text_to(OFFICE_NUMBER)).status_code == 403  # back on the trunk
    line.system.cli("number", "config", OFFICE_NUMBER, "--sms-carrier", line.name)
    assert (await text_to(OFFICE_NUMBER)).status_code == 200
    await line.taken(lambda t: t.to == CELLS["Bob"])
    assert len([e for e in line.timeline(GRACE) if e["kind"] == "text"]) == 1
