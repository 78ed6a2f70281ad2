"""Webhooks as a CRM receives them: a real receiver verifying every delivery with the
stock `standardwebhooks` library; events written with the change they report and
delivered by `smartnumber api`; a receiver down for a while gets everything later, in
order per contact, once each; 410 Gone disables the subscription; the log and replay."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx

from lab.receiver import Receiver
from lab.system import System
from smartnumber import clock
from smartnumber.app import webhooks as cases
from smartnumber.model import ContactPhone
from smartnumber.storage import Store, open_store
from smartnumber.storage.repository import NewContact
from smartnumber.webhooks import delivery, events
from tests.api.conftest import Crm, until


async def subscribe(
    client: httpx.AsyncClient, receiver: Receiver, *types: str
) -> dict[str, object]:
    made = await client.post("/v1/webhooks", json={"url": receiver.url, "events": list(types)})
    assert made.status_code == 201, made.text
    view = made.json()
    assert str(view["secret"]).startswith("whsec_")
    receiver.secret = str(view["secret"])
    return view


async def test_an_opt_out_and_a_new_lead_arrive_signed(
    crm: Crm, as_crm: httpx.AsyncClient, receiver: Receiver
) -> None:
    hook = await subscribe(as_crm, receiver, "contact.opted_out", "lead.created", "text.received")
    shown = await as_crm.get(f"/v1/webhooks/{hook['id']}")
    assert shown.json()["secret"] == "********"  # never again after it was made

    contact = (
        await as_crm.post("/v1/contacts", json={"name": "Dana", "phones": ["+13105550188"]})
    ).json()
    crm.system.cli("text", "inject", "--from", "+13105550188", "--to", "+12125550100", "STOP")
    [opted_out] = await receiver.wait_for("contact.opted_out")
    assert opted_out.data["number"] == "+13105550188"
    assert opted_out.data["contact_id"] == contact["id"]
    [text] = await receiver.wait_for("text.received")
    assert text.data["text"] == "STOP"
    # A text the agent starts to a new number makes a lead (refused here: the number is
    # not registered for texting, which the answer says).
    sent = await as_crm.post("/v1/texts", json={"to": "+13105550177", "body": "Hi", "agent": "Bob"})
    assert sent.status_code == 409 and "A2P 10DLC" in sent.json()["reason"]
    [lead] = await receiver.wait_for("lead.created")
    assert lead.data["phones"] == ["+13105550177"] and lead.data["source"] == "text"
    assert receiver.refused == []  # every delivery verified
    log = (await as_crm.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()["deliveries"]
    assert {d["status"] for d in log} == {"delivered"} and len(log) == 3


async def test_a_receiver_that_cannot_verify_gets_retried_not_lost(
    crm: Crm, as_crm: httpx.AsyncClient, receiver: Receiver
) -> None:
    hook = await subscribe(as_crm, receiver, "lead.created")
    receiver.secret = "whsec_" + "A" * 32  # the CRM has the wrong secret: nothing verifies
    await as_crm.post("/v1/texts", json={"to": "+13105550166", "body": "Hi", "agent": "Bob"})
    await until(lambda: receiver.refused)
    assert receiver.received == []
    log = (await as_crm.get(f"/v1/webhooks/{hook['id']}/deliveries")).json()["deliveries"]
    assert log[0]["status"] == "pending" and log[0]["last_status"] == 400


async def test_down_for_a_while_then_everything_in_order_once(
    system: System, receiver: Receiver
) -> None:
    store = await open_store(system.db)
    try:
        hook = await cases.add_webhook(
            store, receiver.url, ["agent.suspension_lifted", "lead.created"], None, clock.now()
        )
        receiver.secret = hook["secret"]
        await receiver.stop()  # the CRM is down
        published = await _publish(store, per_contact=5, contacts=3)
        fast = [timedelta(milliseconds=100)] * 20
        async with delivery.client() as client:
            deliverer = delivery.Deliverer(store, client, schedule=fast)
            assert await deliverer.deliver_due() == 3  # the head of each contact's queue
            assert await deliverer.deliver_due() == 0  # nothing due before the retry time
            log = await cases.delivery_log(store, hook["id"], 100)
            assert sorted(d["attempts"] for d in log) == [0] * 12 + [1] * 3
            assert all(d["status"] == "pending" for d in log)

            await receiver.start()  # back
            stop = asyncio.Event()
            running = asyncio.create_task(deliverer.run(stop))
            await until(lambda: len(receiver.received) >= len(published), timeout=20)
            stop.set()
            await running
    finally:
        await store.close()
    ids = [r.webhook_id for r in receiver.received]
    assert len(ids) == len(set(ids)) == len(published)  # once each
    for contact in range(3):
        theirs = [r.data["seq"] for r in receiver.received if r.data["contact"] == contact]
        assert theirs == list(range(5))  # in the order they happened
    assert receiver.refused == []


async def test_410_gone_disables_the_subscription(system: System, receiver: Receiver) -> None:
    store = await open_store(system.db)
    try:
        hook = await cases.add_webhook(store, receiver.url, ["lead.created"], None, clock.now())
        receiver.secret, receiver.answer = hook["secret"], 410
        await _publish(store, per_contact=3, contacts=1)
        async with delivery.client() as client:
            deliverer = delivery.Deliverer(store, client)
            assert await deliverer.deliver_due() == 1
            assert await deliverer.deliver_due() == 0
        [shown] = await cases.list_webhooks(store)
        assert shown["active"] is False and "410" in shown["disabled_reason"]
        statuses = [d["status"] for d in await cases.delivery_log(store, hook["id"], 10)]
        assert sorted(statuses) == ["dropped", "dropped", "failed"]
        assert receiver.attempts == 1
        # Events after it was disabled are not queued for it.
        await _publish(store, per_contact=1, contacts=1)
        assert len(await cases.delivery_log(store, hook["id"], 10)) == 3
    finally:
        await store.close()


async def test_replay_one_event_and_a_time_range(system: System, receiver: Receiver) -> None:
    store = await open_store(system.db)
    try:
        start = clock.now() - timedelta(seconds=1)
        hook = await cases.add_webhook(store, receiver.url, ["lead.created"], None, clock.now())
        receiver.secret = hook["secret"]
        await _publish(store, per_contact=2, contacts=2)
        async with delivery.client() as client:
            deliverer = delivery.Deliverer(store, client)
            while await deliverer.deliver_due():
                pass
            first = receiver.received[0]
            assert (
                await cases.replay(
                    store,
                    hook["id"],
                    event_id=first.webhook_id,
                    start=None,
                    end=None,
                    now=clock.now(),
                )
                == 1
            )
            while await deliverer.deliver_due():
                pass
            assert receiver.received[-1].webhook_id == first.webhook_id  # the same id again
            queued = await cases.replay(
                store, hook["id"], event_id=None, start=start, end=None, now=clock.now()
            )
            assert queued == 4
            while await deliverer.deliver_due():
                pass
        assert len(receiver.received) == 4 + 1 + 4
    finally:
        await store.close()


async def test_the_deliverer_forgets_events_past_their_keeping_time(system: System) -> None:
    store = await open_store(system.db)
    try:
        async with store.transaction() as repo:
            at = clock.now() - timedelta(days=31)
            for n in range(7):
                await events.publish(repo, events.LEAD_CREATED, {"n": n}, at=at, contact_id=n)
            await events.publish(repo, events.LEAD_CREATED, {"n": 7}, at=clock.now())
        async with delivery.client() as client:
            keeper = delivery.Deliverer(store, client, keep=timedelta(days=30))
            assert await keeper.prune() == 7
            assert await keeper.prune() == 0
        async with store.snapshot() as repo:
            left = await repo.webhook_events_between(at, clock.now() + timedelta(1), 100)
        assert [json.loads(e.payload)["data"]["n"] for e in left] == [7]
    finally:
        await store.close()


async def _publish(store: Store, *, per_contact: int, contacts: int) -> list[int]:
    """Events about `contacts` contacts, interleaved, each numbered in its contact's order."""
    made = []
    async with store.transaction() as repo:
        ids = []
        for n in range(contacts):
            c = await repo.add_contact(
                NewContact(
                    name=f"C{n}", phones=(ContactPhone(f"+1310555{n:04d}"),), created_at=clock.now()
                )
            )
            ids.append(c.id)
    for seq in range(per_contact):
        for n, contact_id in enumerate(ids):
            async with store.transaction() as repo:
                await events.publish(
                    repo,
                    events.LEAD_CREATED,
                    {"contact": n, "seq": seq},
                    at=clock.now(),
                    contact_id=contact_id,
                )
            made.append(contact_id)
    return made


def test_the_cli_manages_subscriptions(system: System) -> None:
    added = json.loads(
        system.cli(
            "webhook",
            "add",
            "https://crm.example.com/hooks",
            "--events",
            "call.ended,text.received",
            "--json",
        ).output
    )
    assert added["secret"].startswith("whsec_") and added["events"] == [
        "call.ended",
        "text.received",
    ]
    listed = system.cli("webhook", "list").output
    assert "crm.example.com" in listed and "whsec_" not in listed
    bad = system.cli("webhook", "add", "ftp://x", "--events", "call.ended", ok=False)
    assert bad.exit_code == 1 and "http://" in bad.output
    unknown = system.cli("webhook", "add", "https://x.example", "--events", "call.over", ok=False)
    assert unknown.exit_code == 1 and "unknown event 'call.over'" in unknown.output
    system.cli("webhook", "remove", str(added["id"]))
    assert "crm.example.com" not in system.cli("webhook", "list").output
