"""What a fuzzer (schemathesis, from our own OpenAPI) found answering 500 (issue 22
finding 8): ids and paging past 64 bits, times that cannot be told in UTC, far-future
activities that would pin routing, a host name IDNA refuses. Each is now a 4xx problem."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Crm

HUGE = str(2**64)
PROBLEM = "application/problem+json"


def refused(answer: httpx.Response) -> None:
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert answer.headers["content-type"] == PROBLEM
    assert answer.json()["detail"]


async def test_ids_and_pages_past_64_bits_are_refused(crm: Crm) -> None:
    async with crm.client("admin") as admin:
        for method, path in [
            ("GET", f"/v1/contacts/{HUGE}"),
            ("GET", f"/v1/contacts?after={HUGE}"),
            ("GET", f"/v1/contacts/1/timeline?before={HUGE}"),
            ("GET", f"/v1/contacts/{HUGE}/timeline"),
            ("GET", f"/v1/recordings?contact_id={HUGE}"),
            ("GET", f"/v1/webhooks/{HUGE}"),
            ("DELETE", f"/v1/webhooks/{HUGE}"),
            ("GET", f"/v1/webhooks/{HUGE}/deliveries"),
            ("GET", f"/v1/webhooks/1/deliveries?before={HUGE}"),
        ]:
            refused(await admin.request(method, path))
        refused(await admin.post(f"/v1/webhooks/{HUGE}/replay", json={"event_id": "x"}))
        note = {"kind": "note", "direction": "internal", "at": "2026-11-30T10:00:00Z"}
        refused(await admin.post(f"/v1/contacts/{HUGE}/activities", json=note))


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "9999-01-01T00:00:00Z",
           "2026-11-30T10:00:00"],
)  # fmt: skip
async def test_activity_times_out_of_range_are_refused(crm: Crm, at: str) -> None:
    async with crm.client("crm") as client:
        made = await client.post("/v1/contacts", json={"name": "Pat", "phones": ["+13105550188"]})
        note = {"kind": "email", "direction": "outbound", "at": at, "agent": "Bob"}
        answer = await client.post(f"/v1/contacts/{made.json()['id']}/activities", json=note)
        refused(answer)
        timeline = (await client.get(f"/v1/contacts/{made.json()['id']}/timeline")).json()
        assert timeline["activities"] == []  # nothing that would pin routing to Bob
        refused(await client.post("/v1/webhooks/1/replay", json={"since": at}))


async def test_a_host_idna_refuses_is_a_400(crm: Crm) -> None:
    async with crm.client("crm") as client:
        answer = await client.post(
            "/v1/webhooks", json={"url": "http://xn--a.com/", "events": ["call.ended"]}
        )
        refused(answer)
        assert "valid host name" in answer.json()["detail"]


def test_the_cli_refuses_a_far_future_activity_too(crm: Crm) -> None:
    crm.system.cli("contact", "add", "Pat", "--phone", "+13105550188")
    result = crm.system.cli(
        "activity", "add", "--contact", "+13105550188", "--kind", "email",
        "--direction", "outbound", "--at", "9999-01-01T00:00:00+00:00", ok=False,
    )  # fmt: skip
    assert result.exit_code == 1 and "out of range" in result.output
