"""The rest of the door, endpoint by endpoint: agents (admin writes), numbers, a text
queued for the outbox, suspensions listed and lifted, opt-out then opt-in in order, and
webhooks managed, logged and replayed over the API."""

from __future__ import annotations

from datetime import datetime

from lab.receiver import Receiver
from smartnumber import clock, phone
from smartnumber.spam.finding import Evidence, Finding
from smartnumber.storage import open_store
from smartnumber.texting import suspension
from tests.api.conftest import OFFICE_NUMBER, Crm
from tests.e2e.texting.conftest import register_for_texting


async def test_agents_are_read_by_the_crm_and_written_by_an_admin(crm: Crm) -> None:
    async with crm.client("admin") as admin, crm.client("crm") as as_crm:
        made = await admin.post(
            "/v1/agents",
            json={"name": "Carol", "cell": "212-555-0103", "office": "Main",
                  "endpoint": "PJSIP/carol"},
        )  # fmt: skip
        assert made.status_code == 201, made.text
        assert made.json()["cell"] == "+12125550103" and "sip_password" not in made.json()
        assert (
            await as_crm.post("/v1/agents", json={"name": "X", "cell": "+12125550104"})
        ).status_code == 403
        again = await admin.post("/v1/agents", json={"name": "Carol", "cell": "+12125550105"})
        assert again.status_code == 409
        off = await admin.patch("/v1/agents/Carol", json={"active": False})
        assert off.status_code == 200 and off.json()["active"] is False
        shown = (await as_crm.get("/v1/agents/Carol")).json()
        assert shown["active"] is False and "sip_password" not in shown
        assert (await as_crm.get("/v1/agents/Nobody")).status_code == 404


async def test_numbers_are_read_by_the_crm(crm: Crm) -> None:
    async with crm.client("crm") as as_crm:
        listed = (await as_crm.get("/v1/numbers")).json()["numbers"]
        assert [n["number"] for n in listed] == [OFFICE_NUMBER]
        shown = (await as_crm.get(f"/v1/numbers/{OFFICE_NUMBER}")).json()
        assert shown["scope"] == "office" and "call_handling" in shown
        assert (await as_crm.get("/v1/numbers/+12125550999")).status_code == 404


async def test_a_text_is_queued_for_the_outbox(crm: Crm) -> None:
    register_for_texting(crm.system, OFFICE_NUMBER)
    async with crm.client("crm") as as_crm, crm.client("bob") as bob:
        sent = await as_crm.post(
            "/v1/texts", json={"to": "310-555-0188", "body": "Your viewing is at 5", "agent": "Bob"}
        )
        assert sent.status_code == 202, sent.text
        assert sent.json()["status"] == "queued" and sent.json()["text_id"]
        mine = await bob.post("/v1/texts", json={"to": "310-555-0188", "body": "See you there"})
        assert mine.status_code == 202 and mine.json()["agent"] == "Bob"
        [contact] = (await as_crm.get("/v1/contacts", params={"phone": "3105550188"})).json()[
            "contacts"
        ]
        timeline = (await as_crm.get(f"/v1/contacts/{contact['id']}/timeline")).json()["activities"]
        assert [a["detail"]["status"] for a in timeline] == ["queued", "queued"]
    queue = crm.system.cli("text", "queue", "--all").output
    assert "Your viewing is at 5" in queue and "See you there" in queue


async def test_quiet_hours_queue_a_text_until_the_window_or_refuse_it(crm: Crm) -> None:
    register_for_texting(crm.system, OFFICE_NUMBER)
    local = clock.now().astimezone(phone.time_zone("+13105550188"))
    closed = "00:00-01:00" if local.hour >= 2 else "03:00-24:00"  # now is outside it
    crm.system.cli("settings", "set", "texting.window", closed)
    async with crm.client("crm") as as_crm:
        text = {"to": "310-555-0188", "body": "Your viewing is at 5", "agent": "Bob"}
        refused = await as_crm.post("/v1/texts", json=text | {"no_wait": True})
        assert refused.status_code == 409 and refused.json()["status"] == "refused"
        assert refused.json()["reason"].startswith("Text not sent - quiet hours")
        waits = await as_crm.post("/v1/texts", json=text)
        assert waits.status_code == 202 and waits.json()["status"] == "queued"
        assert datetime.fromisoformat(waits.json()["waits_until"]) > clock.now()


async def test_suspensions_are_listed_and_lifted_with_events(crm: Crm, receiver: Receiver) -> None:
    async with crm.client("crm") as as_crm:
        made = await as_crm.post(
            "/v1/webhooks",
            json={"url": receiver.url, "events": ["agent.suspended", "agent.suspension_lifted"]},
        )
        receiver.secret = made.json()["secret"]
    store = await open_store(crm.system.db)
    try:
        async with store.transaction() as repo:
            bob = await repo.agent_by_name("Bob")
            assert bob is not None
            finding = Finding(
                "repeated-message", "the same text to one lead on 3 days",
                (Evidence(clock.now(), "+13105550188", "Hi again"),),
            )  # fmt: skip
            await suspension.suspend(repo, bob, finding, clock.now())
    finally:
        await store.close()
    async with (
        crm.client("crm") as as_crm,
        crm.client("bob") as bob_client,
        crm.client("alice") as alice,
        crm.client("admin") as admin,
    ):
        listed = (await as_crm.get("/v1/suspensions")).json()["suspensions"]
        assert [s["agent"] for s in listed] == ["Bob"] and listed[0]["status"] == "in force"
        assert len((await bob_client.get("/v1/suspensions")).json()["suspensions"]) == 1
        assert (await alice.get("/v1/suspensions")).json()["suspensions"] == []
        lifted = await admin.post("/v1/suspensions/Bob/lift", json={"reason": "appeal upheld"})
        assert lifted.status_code == 200
        again = await admin.post("/v1/suspensions/Bob/lift", json={"reason": "twice"})
        assert again.status_code == 400 and "not suspended" in again.json()["detail"]
        assert (await as_crm.get("/v1/suspensions")).json()["suspensions"] == []
        everything = (await as_crm.get("/v1/suspensions", params={"all": "true"})).json()
        assert everything["suspensions"][0]["status"] == "lifted"
    [suspended] = await receiver.wait_for("agent.suspended")
    [back] = await receiver.wait_for("agent.suspension_lifted")
    assert suspended.data["agent"] == "Bob" and suspended.data["pattern"] == "repeated-message"
    assert back.data["reason"] == "appeal upheld"
    assert [r.type for r in receiver.received] == ["agent.suspended", "agent.suspension_lifted"]


async def test_opt_out_then_in_arrive_in_order_and_webhooks_are_managed(
    crm: Crm, receiver: Receiver
) -> None:
    async with crm.client("crm") as as_crm:
        made = (
            await as_crm.post(
                "/v1/webhooks",
                json={"url": receiver.url, "events": ["contact.opted_out", "contact.opted_in"]},
            )
        ).json()
        receiver.secret = made["secret"]
        await as_crm.post("/v1/contacts", json={"name": "Dana", "phones": ["+13105550188"]})
        for word in ("STOP", "START", "STOP"):
            crm.system.cli("text", "inject", "--from", "+13105550188", "--to", OFFICE_NUMBER, word)
        await receiver.wait_for("contact.opted_out", 2)
        assert [r.type for r in receiver.received] == [
            "contact.opted_out",
            "contact.opted_in",
            "contact.opted_out",
        ]
        url = f"/v1/webhooks/{made['id']}"
        log = (await as_crm.get(f"{url}/deliveries")).json()["deliveries"]
        assert [d["type"] for d in log] == [
            "contact.opted_out",
            "contact.opted_in",
            "contact.opted_out",
        ]  # newest first
        assert all(d["status"] == "delivered" and d["attempts"] == 1 for d in log)
        first = log[-1]["event_id"]
        replayed = await as_crm.post(f"{url}/replay", json={"event_id": first})
        assert replayed.status_code == 202 and replayed.json() == {"queued": 1}
        await receiver.wait_for("contact.opted_out", 3)
        assert receiver.received[-1].webhook_id == first
        listed = (await as_crm.get("/v1/webhooks")).json()
        assert [w["id"] for w in listed["webhooks"]] == [made["id"]]
        assert "contact.opted_in" in listed["events"]
        assert (await as_crm.delete(url)).status_code == 204
        assert (await as_crm.get(url)).status_code == 404
        bad = await as_crm.post(
            "/v1/webhooks", json={"url": "https://u:p@x.example", "events": ["call.ended"]}
        )
        assert bad.status_code == 400 and "credentials" in bad.json()["detail"]
