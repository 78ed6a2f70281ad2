"""Who may do what: no token or a bad one is 401, an agent sees only their own contacts
(another's is 404, as if it did not exist), agents and the CRM cannot do an admin's
work (403), and every refusal is a problem document with a clear detail."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.conftest import Crm

PROBLEM = "application/problem+json"


async def test_no_token_bad_token_revoked_token(crm: Crm) -> None:
    async with httpx.AsyncClient(base_url=crm.system.api_url) as anonymous:
        missing = await anonymous.get("/v1/contacts")
        wrong = await anonymous.get("/v1/contacts", headers={"authorization": "Bearer sn_nope"})
    for answer in (missing, wrong):
        assert answer.status_code == 401
        assert answer.headers["content-type"] == PROBLEM
        assert answer.headers["www-authenticate"].startswith("Bearer")
    crm.system.cli("token", "revoke", "crm")
    async with crm.client("crm") as revoked:
        assert (await revoked.get("/v1/contacts")).status_code == 401
    listed = crm.system.cli("token", "list").output
    assert "crm" in listed and "sn_" not in listed  # never the secrets


async def test_an_agent_sees_only_their_own_contacts(crm: Crm) -> None:
    async with crm.client("crm") as as_crm, crm.client("alice") as alice:
        bobs = (
            await as_crm.post(
                "/v1/contacts", json={"name": "Bo's", "phones": ["+13105550141"], "owner": "Bob"}
            )
        ).json()
        made = await alice.post("/v1/contacts", json={"name": "Al's", "phones": ["+13105550142"]})
        assert made.status_code == 201 and made.json()["owner"] == "Alice"
        alices = made.json()

        assert (await alice.get(f"/v1/contacts/{bobs['id']}")).status_code == 404
        assert (await alice.get(f"/v1/contacts/{bobs['id']}/timeline")).status_code == 404
        note = {"kind": "note", "direction": "internal", "at": "2026-11-30T10:00:00Z"}
        assert (
            await alice.post(f"/v1/contacts/{bobs['id']}/activities", json=note)
        ).status_code == 404
        by_phone = await alice.get("/v1/contacts", params={"phone": "+13105550141"})
        assert by_phone.json()["contacts"] == []
        listed = (await alice.get("/v1/contacts")).json()["contacts"]
        assert [c["id"] for c in listed] == [alices["id"]]
        # Nor can an agent take another's contact over by upserting its number, or share
        # it by adding it to one of their own: 409, naming neither owner nor contact.
        grab = await alice.post(
            "/v1/contacts", json={"name": "Mine now", "phones": ["+13105550141"]}
        )
        assert grab.status_code == 409 and "Bo" not in grab.text
        share = await alice.post(
            "/v1/contacts", json={"name": "Al's", "phones": ["+13105550142", "+13105550141"]}
        )
        assert share.status_code == 409 and "Bo" not in share.text
        gave = await alice.post(
            "/v1/contacts", json={"name": "For Bob", "phones": ["+13105550143"], "owner": "Bob"}
        )
        assert gave.status_code == 403
        assert (await as_crm.get(f"/v1/contacts/{bobs['id']}")).json()["name"] == "Bo's"


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        ("alice", "GET", "/v1/agents", None),
        ("alice", "GET", "/v1/webhooks", None),
        ("alice", "GET", "/v1/route?number=%2B12125550100&caller=%2B13105550100", None),
        ("crm", "POST", "/v1/suspensions/Bob/lift", {"reason": "appeal"}),
        ("crm", "PATCH", "/v1/numbers/+12125550100", {"timeout": 30}),
        ("crm", "POST", "/v1/text-codes", {"code": "HOME", "reply": "Thanks"}),
        ("alice", "POST", "/v1/texts", {"to": "+13105550100", "body": "hi", "agent": "Bob"}),
    ],
)
async def test_roles_that_may_not(
    crm: Crm, who: str, method: str, path: str, body: dict[str, object] | None
) -> None:
    async with crm.client(who) as client:
        answer = await client.request(method, path, json=body)
    assert answer.status_code == 403, answer.text
    problem = answer.json()
    assert answer.headers["content-type"] == PROBLEM
    assert problem["status"] == 403 and problem["title"] == "Forbidden" and problem["detail"]


async def test_an_admin_may(crm: Crm) -> None:
    async with crm.client("admin") as admin:
        changed = await admin.patch("/v1/numbers/+12125550100", json={"timeout": 30})
        assert changed.status_code == 200 and changed.json()["timeout"] == 30
        made = await admin.post("/v1/text-codes", json={"code": "HOME", "reply": "Thanks!"})
        assert made.status_code == 201
        agents = (await admin.get("/v1/agents")).json()["agents"]
        assert [a["name"] for a in agents] == ["Alice", "Bob"]
        routed = await admin.get(
            "/v1/route", params={"number": "+12125550100", "caller": "+13105550100"}
        )
        assert routed.status_code == 200 and routed.json()["rule"]
        assert (await admin.delete("/v1/text-codes/HOME")).status_code == 204


def test_the_api_listens_on_loopback_only_by_default(crm: Crm) -> None:
    """Started with no --bind, as the demo and the systemd unit start it."""
    assert crm.system.reveal("api.bind") == "127.0.0.1"
    port = f"{crm.system.api_port:04X}"
    listening = [
        line.split()[1]
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
        if line.split()[1].endswith(f":{port}") and line.split()[3] == "0A"  # LISTEN
    ]
    assert listening == [f"0100007F:{port}"]  # 127.0.0.1, not 0.0.0.0
