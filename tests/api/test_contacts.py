"""Contacts through the API: upsert by external id or phone, bulk upsert, read, find by
phone, the timeline paged newest first, and activities stored once per idempotency key."""

from __future__ import annotations

import httpx

from tests.api.conftest import Crm


async def test_upsert_creates_then_updates_by_external_id(
    crm: Crm, as_crm: httpx.AsyncClient
) -> None:
    made = await as_crm.post(
        "/v1/contacts",
        json={
            "name": "Dana Lee",
            "phones": ["(310) 555-0188"],
            "external_id": "crm-7",
            "owner": "Bob",
        },
    )
    assert made.status_code == 201, made.text
    contact = made.json()
    assert contact["phones"][0]["number"] == "+13105550188" and contact["owner"] == "Bob"

    again = await as_crm.post(
        "/v1/contacts",
        json={"name": "Dana Lee-Park", "phones": ["+13105550199"], "external_id": "crm-7"},
    )
    assert again.status_code == 200, again.text
    updated = again.json()
    assert updated["id"] == contact["id"] and updated["name"] == "Dana Lee-Park"
    assert [p["number"] for p in updated["phones"]] == ["+13105550188", "+13105550199"]

    by_phone = await as_crm.get("/v1/contacts", params={"phone": "310-555-0199"})
    assert [c["id"] for c in by_phone.json()["contacts"]] == [contact["id"]]
    read = await as_crm.get(f"/v1/contacts/{contact['id']}")
    assert read.json()["external_id"] == "crm-7"
    assert len(crm.contacts_in_db()) == 1


async def test_upsert_without_external_id_matches_the_phone(as_crm: httpx.AsyncClient) -> None:
    first = await as_crm.post("/v1/contacts", json={"name": "Eve", "phones": ["+13105550111"]})
    second = await as_crm.post("/v1/contacts", json={"name": "Eve Ng", "phones": ["+13105550111"]})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]


async def test_bulk_upsert_of_a_thousand_in_one_request(
    crm: Crm, as_crm: httpx.AsyncClient
) -> None:
    batch = [
        {"name": f"Lead {i}", "phones": [f"+1310555{i:04d}"], "external_id": f"b-{i}"}
        for i in range(1000)
    ]
    done = await as_crm.post("/v1/contacts/bulk", json={"contacts": batch})
    assert done.status_code == 200, done.text
    results = done.json()["results"]
    assert len(results) == 1000 and all(r["created"] for r in results)
    # The same batch again updates, creating nothing.
    again = await as_crm.post("/v1/contacts/bulk", json={"contacts": batch})
    assert not any(r["created"] for r in again.json()["results"])
    page = await as_crm.get("/v1/contacts", params={"limit": 1000})
    assert len(page.json()["contacts"]) == 1000


async def test_a_bad_item_stores_none_of_the_batch(crm: Crm, as_crm: httpx.AsyncClient) -> None:
    batch = [{"name": "Good", "phones": ["+13105550101"]}, {"name": "Bad", "phones": ["12"]}]
    refused = await as_crm.post("/v1/contacts/bulk", json={"contacts": batch})
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("contacts[1]:")
    assert crm.contacts_in_db() == []
    too_many = [{"name": f"L{i}", "phones": [f"+1310555{i:04d}"]} for i in range(1001)]
    assert (await as_crm.post("/v1/contacts/bulk", json={"contacts": too_many})).status_code == 422


async def test_activities_are_stored_once_per_idempotency_key(as_crm: httpx.AsyncClient) -> None:
    contact = (
        await as_crm.post("/v1/contacts", json={"name": "Fay", "phones": ["+13105550122"]})
    ).json()
    event = {
        "kind": "email",
        "direction": "outbound",
        "at": "2026-11-30T10:00:00Z",
        "agent": "Alice",
        "detail": {"subject": "Listing you asked about"},
        "idempotency_key": "crm-event-1",
    }
    url = f"/v1/contacts/{contact['id']}/activities"
    first, second = await as_crm.post(url, json=event), await as_crm.post(url, json=event)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    # The Idempotency-Key header works the same way.
    headed = {k: v for k, v in event.items() if k != "idempotency_key"}
    third = await as_crm.post(url, json=headed, headers={"idempotency-key": "crm-event-2"})
    fourth = await as_crm.post(url, json=headed, headers={"idempotency-key": "crm-event-2"})
    assert (third.status_code, fourth.status_code) == (201, 200)
    timeline = (await as_crm.get(f"/v1/contacts/{contact['id']}/timeline")).json()["activities"]
    assert [a["external_id"] for a in timeline] == ["crm-event-2", "crm-event-1"]
    assert timeline[0]["agent"] == "Alice"


async def test_the_timeline_pages_newest_first(as_crm: httpx.AsyncClient) -> None:
    contact = (
        await as_crm.post("/v1/contacts", json={"name": "Gus", "phones": ["+13105550133"]})
    ).json()
    url = f"/v1/contacts/{contact['id']}"
    for hour in range(10, 15):
        note = {
            "kind": "note",
            "direction": "internal",
            "at": f"2026-11-30T{hour}:00:00Z",
            "detail": {"text": f"note {hour}"},
        }
        assert (await as_crm.post(f"{url}/activities", json=note)).status_code == 201
    first = (await as_crm.get(f"{url}/timeline", params={"limit": 2})).json()
    assert [a["detail"]["text"] for a in first["activities"]] == ["note 14", "note 13"]
    second = (
        await as_crm.get(f"{url}/timeline", params={"limit": 2, "before": first["next_before"]})
    ).json()
    assert [a["detail"]["text"] for a in second["activities"]] == ["note 12", "note 11"]
    last = (
        await as_crm.get(f"{url}/timeline", params={"limit": 2, "before": second["next_before"]})
    ).json()
    assert [a["detail"]["text"] for a in last["activities"]] == ["note 10"]
    assert last["next_before"] is None


async def test_openapi_describes_every_path_under_v1(crm: Crm) -> None:
    async with httpx.AsyncClient(base_url=crm.system.api_url) as anonymous:
        spec = (await anonymous.get("/openapi.json")).json()
        docs = await anonymous.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert spec["paths"] and all(path.startswith("/v1/") for path in spec["paths"])
    assert (
        "/v1/contacts/bulk" in spec["paths"] and "/v1/webhooks/{webhook_id}/replay" in spec["paths"]
    )
