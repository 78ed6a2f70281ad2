"""Webhook delivery under attack (issue 22 findings 1-3): a receiver that trickles its
answer or sends 300 MB holds up nobody else and costs a bounded attempt; a receiver that
keeps failing rests on its own; URLs inside the network are refused when subscribed and
again when delivered to, unless an admin allowed the host (egress.allow)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from lab.receiver import RawReceiver, Receiver
from lab.system import System
from smartnumber import clock
from smartnumber.app import webhooks as cases
from smartnumber.storage import Store, open_store
from smartnumber.webhooks import delivery, events
from tests.api.conftest import Crm, until


@pytest.fixture
async def store(system: System) -> AsyncIterator[Store]:
    opened = await open_store(system.db)
    yield opened
    await opened.close()


async def publish(store: Store, contact_id: int, n: int) -> None:
    async with store.transaction() as repo:
        await events.publish(
            repo, events.LEAD_CREATED, {"n": n}, at=clock.now(), contact_id=contact_id
        )


async def test_a_trickling_receiver_holds_up_no_other_subscription(
    store: Store, receiver: Receiver
) -> None:
    slow = RawReceiver("trickle")
    await slow.start()
    try:
        await cases.add_webhook(store, slow.url, ["lead.created"], None, clock.now())
        hook = await cases.add_webhook(store, receiver.url, ["lead.created"], None, clock.now())
        receiver.secret = hook["secret"]
        async with delivery.client() as client:
            deliverer = delivery.Deliverer(store, client, attempt_seconds=3.0)
            stop = asyncio.Event()
            running = asyncio.create_task(deliverer.run(stop))
            await publish(store, contact_id=1, n=1)
            await until(lambda: slow.open_now == 1 and slow.sent > 0)  # it is trickling
            await publish(store, contact_id=2, n=2)  # another contact, another receiver
            await receiver.wait_for("lead.created", 2, timeout=2.5)  # before the slow one ends
            assert slow.open_now >= 1  # still trickling while the other was served
            await until(lambda: slow.open_now == 0, timeout=10)  # cut off at its deadline
            stop.set()
            await running
        log = await cases.delivery_log(store, 1, 10)
        assert log[0]["status"] == "pending" and "within 3 s" in log[0]["last_error"]
    finally:
        await slow.stop()


async def test_a_huge_answer_is_not_read(store: Store) -> None:
    huge = RawReceiver("huge")
    await huge.start()
    try:
        hook = await cases.add_webhook(store, huge.url, ["lead.created"], None, clock.now())
        await publish(store, contact_id=1, n=1)
        async with delivery.client() as client:
            assert await delivery.Deliverer(store, client).deliver_due() == 1
        [attempt] = await cases.delivery_log(store, hook["id"], 10)
        assert attempt["status"] == "delivered" and attempt["last_status"] == 200
        await until(lambda: huge.open_now == 0)
        # What the receiver got out before the connection was dropped: socket buffers,
        # not 300 MB.
        assert huge.sent < 32 * 1024 * 1024
    finally:
        await huge.stop()


async def test_a_receiver_that_keeps_failing_rests_on_its_own(
    store: Store, receiver: Receiver
) -> None:
    failing = await cases.add_webhook(
        store, receiver.url + "/nowhere", ["lead.created"], None, clock.now()
    )
    fast = [timedelta(0)] * 7
    async with delivery.client() as client:
        deliverer = delivery.Deliverer(store, client, schedule=fast)
        for n in range(delivery.PAUSE_AFTER):
            await publish(store, contact_id=100 + n, n=n)
        sent = 0
        while (n := await deliverer.deliver_due()) > 0:
            sent += n
        # Retried at once (the schedule here is 0 s) until it had failed PAUSE_AFTER times
        # in a row (PER_WEBHOOK attempts run together); then it rests: nothing is claimed.
        assert delivery.PAUSE_AFTER <= sent < delivery.PAUSE_AFTER + delivery.PER_WEBHOOK
        async with store.snapshot() as repo:
            rested = await repo.webhook_by_id(int(failing["id"]))
        assert rested is not None and rested.failures == sent
        assert rested.paused_until is not None and rested.paused_until > clock.now()
        # Another subscription is not held by the rest.
        other = await cases.add_webhook(store, receiver.url, ["lead.created"], None, clock.now())
        receiver.secret = other["secret"]
        await publish(store, contact_id=200, n=99)
        assert await deliverer.deliver_due() == 1
        assert [r.data["n"] for r in receiver.received] == [99]


INSIDE = [
    "http://169.254.169.254/latest/meta-data/",
    "https://10.0.0.5/hook",
    "https://192.168.1.10/hook",
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://[::1]/hook",
    "https://127.1/hook",
    "https://2130706433/hook",
    "https://0x7f.0.0.1/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://100.64.0.1/hook",
    "https://metadata.internal/hook",
]


async def test_the_api_refuses_webhooks_inside_the_network(crm: Crm) -> None:
    crm.system.cli("settings", "set", "egress.allow", "")  # the default: nothing inside
    async with crm.client("crm") as client:
        for url in [*INSIDE, crm.system.api_url + "/v1/contacts"]:
            made = await client.post("/v1/webhooks", json={"url": url, "events": ["call.ended"]})
            assert made.status_code == 400, (url, made.text)
            assert made.headers["content-type"] == "application/problem+json"
        plain = await client.post(
            "/v1/webhooks", json={"url": "http://crm.example.com/h", "events": ["call.ended"]}
        )
        assert plain.status_code == 400 and "https://" in plain.json()["detail"]
        fine = await client.post(
            "/v1/webhooks", json={"url": "https://crm.example.com/h", "events": ["call.ended"]}
        )
        assert fine.status_code == 201
        # An admin allows an internal receiver by name or by range.
        crm.system.cli("settings", "set", "egress.allow", "hooks.internal,10.0.0.0/8")
        for url in ("http://hooks.internal:8000/h", "https://10.0.0.5/hook"):
            made = await client.post("/v1/webhooks", json={"url": url, "events": ["call.ended"]})
            assert made.status_code == 201, made.text
        still = await client.post(
            "/v1/webhooks", json={"url": "https://192.168.1.10/h", "events": ["call.ended"]}
        )
        assert still.status_code == 400


async def test_delivery_checks_the_address_again(
    system: System, store: Store, receiver: Receiver
) -> None:
    hook = await cases.add_webhook(store, receiver.url, ["lead.created"], None, clock.now())
    receiver.secret = hook["secret"]
    system.cli("settings", "set", "egress.allow", "")  # no longer allowed
    await publish(store, contact_id=1, n=1)
    async with delivery.client() as client:
        assert await delivery.Deliverer(store, client).deliver_due() == 1
    [attempt] = await cases.delivery_log(store, hook["id"], 10)
    assert attempt["status"] == "pending" and "egress.allow" in attempt["last_error"]
    assert receiver.attempts == 0
    # A name that resolves inside is refused at the connection, whatever the URL said.
    async with delivery.client() as client:
        with pytest.raises(httpx.ConnectError, match="not a public address"):
            await client.get(f"https://localhost:{receiver.port}/")
        assert receiver.attempts == 0


async def test_a_redirect_is_not_followed(store: Store, receiver: Receiver) -> None:
    bouncing = RawReceiver("redirect", location=receiver.url)
    await bouncing.start()
    try:
        hook = await cases.add_webhook(store, bouncing.url, ["lead.created"], None, clock.now())
        receiver.secret = hook["secret"]
        await publish(store, contact_id=1, n=1)
        async with delivery.client() as client:
            assert await delivery.Deliverer(store, client).deliver_due() == 1
        [attempt] = await cases.delivery_log(store, hook["id"], 10)
        assert attempt["last_status"] == 307 and receiver.attempts == 0
    finally:
        await bouncing.stop()
