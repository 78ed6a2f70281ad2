"""The door's smaller locks (issue 22 finding 11): an address that keeps failing
(bad tokens, unsigned carrier webhooks) gets 429 before any work and is logged once in a
while, not per request; answers are never cached or type-sniffed; /docs needs no CDN;
a client that trickles its request headers is dropped; a listener off loopback warns."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.conftest import Crm

SAFE = {"cache-control": "no-store", "x-content-type-options": "nosniff"}


async def test_an_address_that_keeps_failing_is_stopped_before_authentication(crm: Crm) -> None:
    async with httpx.AsyncClient(base_url=crm.system.api_url) as anonymous:
        statuses = []
        for n in range(60):
            bad = {"authorization": f"Bearer sn_{n:043d}"}
            statuses.append((await anonymous.get("/v1/contacts", headers=bad)).status_code)
        assert statuses[:10] == [401] * 10 and statuses[-10:] == [429] * 10
        posted = [
            (await anonymous.post("/v1/carriers/acme/inbound", content=b"{}")).status_code
            for _ in range(5)
        ]
        assert posted == [429] * 5  # the same address, whatever it knocks on
        answer = await anonymous.get("/v1/contacts", headers={"authorization": "Bearer x"})
        assert answer.status_code == 429 and answer.headers["retry-after"] == "1"
    logged = [e for e in crm.refusals_logged() if e["status"] == 429]
    assert 1 <= len(logged) <= 2  # once in a while, not 45 lines


async def test_unsigned_carrier_webhooks_are_stopped_too(crm: Crm) -> None:
    crm.system.cli("carrier", "add", "acme", "--kind", "sip")
    async with httpx.AsyncClient(base_url=crm.system.api_url) as anonymous:
        statuses = [
            (await anonymous.post("/v1/carriers/acme/inbound", content=b"{}")).status_code
            for _ in range(40)
        ]
    assert statuses[0] == 404 and statuses[-5:] == [429] * 5  # a SIP carrier has no webhook


async def test_answers_are_not_kept_or_sniffed_and_docs_need_no_cdn(crm: Crm) -> None:
    async with crm.client("crm") as client:
        for answer in (
            await client.get("/v1/contacts"),
            await client.get("/v1/contacts/999"),
            await client.post("/v1/contacts", content=b"x" * (2 * 1024 * 1024)),
            await client.get("/openapi.json"),
        ):
            assert {k: answer.headers.get(k) for k in SAFE} == SAFE, answer.status_code
        docs = await client.get("/docs")
        assert docs.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in docs.text
        assert "cdn" not in docs.text and "https://" not in docs.text
        script = await client.get("/docs/assets/swagger-ui-bundle.js")
        assert script.status_code == 200 and len(script.content) > 100_000
        assert script.headers["content-type"].startswith(("text/javascript", "application/j"))


async def test_a_client_that_trickles_its_headers_is_dropped(crm: Crm) -> None:
    host, port = crm.system.api_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET /v1/contacts HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    await writer.drain()
    loop = asyncio.get_running_loop()
    started = loop.time()
    gone = await asyncio.wait_for(reader.read(), timeout=20)  # EOF once it drops us
    assert gone == b"" and loop.time() - started < 15
    writer.close()


def test_a_listener_off_loopback_warns(crm: Crm) -> None:
    said = crm.system.cli("settings", "set", "api.bind", "0.0.0.0")
    assert "warning: api.bind 0.0.0.0 is reachable from the network" in said.output
    quiet = crm.system.cli("settings", "set", "api.bind", "127.0.0.1")
    assert "warning" not in quiet.output
