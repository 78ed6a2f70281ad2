"""Bad input: malformed JSON, unknown fields, numbers that are not numbers, hostile
strings and oversize bodies are each a 4xx problem; nothing is written; each refusal is
logged once."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.api.conftest import Crm

HOSTILE = [
    {"name": "A & B; DROP TABLE contacts", "phones": ["+13105550150&PJSIP/evil"]},
    {"name": "Line\nbreak", "phones": ["+13105550151"]},
    {"name": "x" * 10_000, "phones": ["+13105550152"]},
    {"name": "Letters", "phones": ["call me maybe"]},
    {"name": "Owner", "phones": ["+13105550153"], "owner": "Nobody;rm -rf /"},
]


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (b'{"name": "Dana", "phones": ["+13105550188"]', 422),  # cut short
        (b"[1, 2, 3]", 422),
        (b'{"name": "Dana", "phones": ["+13105550188"], "admin": true}', 422),  # unknown
        (b'{"name": "Dana"}', 422),  # no phones
        (b'{"name": "Dana", "phones": "+13105550188"}', 422),  # not a list
        (b"\xff\xfe not utf-8", 422),
    ],
)
async def test_malformed_bodies(
    crm: Crm, as_crm: httpx.AsyncClient, content: bytes, status: int
) -> None:
    answer = await as_crm.post(
        "/v1/contacts", content=content, headers={"content-type": "application/json"}
    )
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] and "Traceback" not in answer.text
    assert crm.contacts_in_db() == []


async def test_hostile_and_impossible_contacts_are_refused_and_nothing_written(
    crm: Crm, as_crm: httpx.AsyncClient
) -> None:
    for body in HOSTILE:
        answer = await as_crm.post("/v1/contacts", json=body)
        assert 400 <= answer.status_code < 500, (body, answer.text)
        detail = answer.json()["detail"]
        assert "\n" not in detail and len(detail) < 400
    assert crm.contacts_in_db() == []
    await _logged(crm, len(HOSTILE))


async def test_oversize_and_non_json_bodies(crm: Crm, as_crm: httpx.AsyncClient) -> None:
    huge = b'{"contacts": [' + b'{"name": "x", "phones": ["+13105550100"]},' * 40_000 + b"]}"
    answer = await as_crm.post(
        "/v1/contacts/bulk", content=huge, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413 and "bytes" in answer.json()["detail"]

    async def chunks():  # no Content-Length: counted as it streams in
        for _ in range(40):
            yield b" " * 65536

    streamed = await as_crm.post(
        "/v1/contacts", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    form = await as_crm.post("/v1/contacts", data={"name": "Dana", "phones": "+13105550188"})
    assert form.status_code == 415
    assert crm.contacts_in_db() == []
    await _logged(crm, 3)


@pytest.mark.parametrize("number", ["+442079460000", "+19005550123", "5551234&PJSIP/evil"])
async def test_calls_and_texts_go_nowhere_outside_the_us_and_canada(
    crm: Crm, as_crm: httpx.AsyncClient, number: str
) -> None:
    call = await as_crm.post("/v1/calls", json={"to": number, "agent": "Bob"})
    text = await as_crm.post("/v1/texts", json={"to": number, "body": "hi", "agent": "Bob"})
    assert call.status_code == 400 and text.status_code == 400, (call.text, text.text)
    assert crm.contacts_in_db() == []


async def test_bad_query_and_path_values(as_crm: httpx.AsyncClient) -> None:
    assert (await as_crm.get("/v1/contacts/not-a-number")).status_code == 422
    assert (await as_crm.get("/v1/contacts", params={"limit": 100_000})).status_code == 422
    assert (await as_crm.get("/v1/contacts", params={"phone": "12;34"})).status_code == 400
    assert (await as_crm.get("/v1/contacts/999999")).status_code == 404


async def _logged(crm: Crm, count: int, timeout: float = 5.0) -> None:
    """The API logged exactly `count` refusals (each once)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(crm.refusals_logged()) < count:
        assert loop.time() < deadline, crm.refusals_logged()
        await asyncio.sleep(0.05)
    assert len(crm.refusals_logged()) == count


async def test_a_token_over_its_rate_gets_429(crm: Crm) -> None:
    crm.system.stop_api()
    crm.system.cli("settings", "set", "api.rate_limit", "5")  # bursts of 10
    crm.system.start_api()
    async with crm.client("crm") as as_crm, crm.client("alice") as alice:
        answers = [await as_crm.get("/v1/contacts") for _ in range(30)]
        limited = [a for a in answers if a.status_code == 429]
        assert 10 <= len(answers) - len(limited) <= 14 and limited
        assert limited[0].headers["retry-after"] == "1"
        assert limited[0].json()["detail"].startswith("too many requests")
        assert (await alice.get("/v1/contacts")).status_code == 200  # per token
