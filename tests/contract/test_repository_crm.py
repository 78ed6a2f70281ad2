"""The repository contract, the CRM's door: contacts by external id and an agent's own,
timeline and contact paging, API tokens, webhook subscriptions, the event outbox and its
deliveries (one at a time per subscription and contact). Every store must pass it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from smartnumber.errors import Conflict, StorageError
from smartnumber.model import (
    ActivityKind,
    CarrierKind,
    ContactPhone,
    DeliveryStatus,
    Direction,
    Role,
    Scope,
)
from smartnumber.storage import Store, open_store
from smartnumber.storage.repository import (
    NewActivity,
    NewApiToken,
    NewCarrier,
    NewContact,
    NewSmartNumber,
    NewWebhook,
    NewWebhookEvent,
)
from tests.contract.test_repository import T0, people


async def test_contacts_by_external_id_an_agents_own_and_pages(store: Store) -> None:
    async with store.transaction() as repo:
        _, alice, bob = await people(repo)
        made = await repo.add_contact(
            NewContact("Ann", (ContactPhone("+12125550199"),), T0, alice.id, external_id="crm-1")
        )
        other = await repo.add_contact(NewContact("Ben", (ContactPhone("+12125550198"),), T0))
        await repo.set_contact_ownership(
            other.id, owner_agent_id=None, owner_team_id=None, owner_office_id=None,
            assigned_agent_id=bob.id,
        )  # fmt: skip
        assert made.external_id == "crm-1"
        found = await repo.contact_by_external_id("crm-1")
        assert found is not None and found.id == made.id and found.external_id == "crm-1"
        assert await repo.contact_by_external_id("crm-2") is None
        assert [c.id for c in await repo.agent_contacts(alice.id, 10)] == [made.id]
        assert [c.id for c in await repo.agent_contacts(bob.id, 10)] == [other.id]  # assigned
        assert [c.id for c in await repo.list_contacts(10, after_id=made.id)] == [other.id]

        await repo.update_contact(made.id, name="Ann Lee", external_id="crm-9")
        await repo.add_contact_phones(
            made.id, [ContactPhone("+12125550199"), ContactPhone("+12125550197")]
        )
        updated = await repo.contact_by_id(made.id)
        assert updated is not None and updated.name == "Ann Lee"
        assert updated.external_id == "crm-9"
        assert [p.e164 for p in updated.phones] == ["+12125550199", "+12125550197"]
    with pytest.raises(Conflict):
        async with store.transaction() as repo:
            await repo.add_contact(
                NewContact("Dup", (ContactPhone("+12125550196"),), T0, external_id="crm-9")
            )


async def test_the_timeline_pages_and_activities_are_found_by_external_id(store: Store) -> None:
    async with store.transaction() as repo:
        contact = await repo.add_contact(NewContact("Ann", (ContactPhone("+12125550199"),), T0))
        ids = []
        for minutes in (0, 5, 5, 10):  # two at the same moment: the newer id comes first
            added = await repo.add_activity(
                NewActivity(
                    contact.id, ActivityKind.NOTE, Direction.INTERNAL,
                    T0 + timedelta(minutes=minutes), external_id=f"e{len(ids)}",
                )
            )  # fmt: skip
            assert added is not None
            ids.append(added.id)
        page = await repo.timeline([contact.id], 2)
        assert [a.id for a in page] == [ids[3], ids[2]]
        assert [a.id for a in await repo.timeline([contact.id], 2, before_id=ids[2])] == [
            ids[1],
            ids[0],
        ]
        assert await repo.timeline([contact.id], 2, before_id=ids[0]) == []
        found = await repo.activity_by_external_id("e2")
        assert found is not None and found.id == ids[2]
        assert await repo.activity_by_external_id("nope") is None


async def test_api_tokens_by_hash_listed_and_revoked(store: Store) -> None:
    async with store.transaction() as repo:
        _, alice, _ = await people(repo)
        crm = await repo.add_api_token(NewApiToken("crm", Role.INTEGRATION, "h1" * 32, T0))
        own = await repo.add_api_token(NewApiToken("al", Role.AGENT, "h2" * 32, T0, alice.id))
        assert (await repo.api_token_by_hash("h1" * 32)) == crm
        found = await repo.api_token_by_hash("h2" * 32)
        assert found is not None and found.agent_id == alice.id and found.role is Role.AGENT
        assert await repo.api_token_by_hash("h3" * 32) is None
        assert [t.name for t in await repo.api_tokens()] == ["crm", "al"]
        assert await repo.revoke_api_token("crm", T0) is True
        assert await repo.revoke_api_token("crm", T0) is False
        revoked = await repo.api_token_by_hash("h1" * 32)
        assert revoked is not None and revoked.revoked_at == T0
        assert own.revoked_at is None
    for bad in (
        NewApiToken("crm", Role.ADMIN, "h4" * 32, T0),  # the name is taken
        NewApiToken("x", Role.AGENT, "h5" * 32, T0),  # an agent token names its agent
    ):
        with pytest.raises(Conflict):
            async with store.transaction() as repo:
                await repo.add_api_token(bad)


async def test_events_queue_per_subscription_and_contact_in_order(store: Store) -> None:
    async with store.transaction() as repo:
        one = await repo.add_webhook(NewWebhook("http://a.example/h", ("lead.created",), "s1", T0))
        two = await repo.add_webhook(NewWebhook("http://b.example/h", ("call.ended",), "s2", T0))
        assert [w.id for w in await repo.webhooks(active_only=True)] == [one.id, two.id]
        made = []
        for n, contact in enumerate((1, 2, 1)):
            event = NewWebhookEvent(f"msg_{n}", "lead.created", T0, f'{{"n":{n}}}', contact)
            made.append(await repo.add_webhook_event(event, [one.id]))
        assert made[0].payload == '{"n":0}' and made[0].ordering_key == "contact:1"
        due = await repo.due_deliveries(T0, 10)
        # contact 1's second event waits behind its first; contact 2's goes at once
        assert [d.event.event_id for d in due] == ["msg_0", "msg_1"]
        assert await repo.due_deliveries(T0 - timedelta(seconds=1), 10) == []

        await repo.delivery_attempted(
            due[0].id, at=T0, status_code=500, error="HTTP 500", delivered=False,
            retry_at=T0 + timedelta(seconds=5),
        )  # fmt: skip
        assert [d.event.event_id for d in await repo.due_deliveries(T0, 10)] == ["msg_1"]
        later = await repo.due_deliveries(T0 + timedelta(seconds=5), 10)
        assert [(d.event.event_id, d.attempts) for d in later] == [("msg_0", 1), ("msg_1", 0)]
        await repo.delivery_attempted(
            due[0].id, at=T0, status_code=204, error=None, delivered=True, retry_at=None
        )
        assert [d.event.event_id for d in await repo.due_deliveries(T0 + timedelta(1), 10)] == [
            "msg_1",
            "msg_2",
        ]
        log = await repo.deliveries(one.id, 10)
        assert [(d.event.event_id, d.status) for d in log] == [
            ("msg_2", DeliveryStatus.PENDING),
            ("msg_1", DeliveryStatus.PENDING),
            ("msg_0", DeliveryStatus.DELIVERED),
        ]
        assert log[2].delivered_at == T0 and log[2].last_status == 204
        assert [d.id for d in await repo.deliveries(None, 10, before_id=log[0].id)] == [
            log[1].id,
            log[2].id,
        ]

        # Replay: the same event (same id) queued again; events found by id or time.
        assert await repo.webhook_event("msg_0") == made[0]
        between = await repo.webhook_events_between(T0, T0 + timedelta(1), 10)
        assert [e.event_id for e in between] == ["msg_0", "msg_1", "msg_2"]
        assert await repo.queue_deliveries([made[0]], two.id, T0) == 1
        assert [d.event.event_id for d in await repo.deliveries(two.id, 10)] == ["msg_0"]

        await repo.disable_webhook(one.id, "410 Gone")
        assert [w.id for w in await repo.webhooks(active_only=True)] == [two.id]
        gone = await repo.webhook_by_id(one.id)
        assert gone is not None and not gone.active and gone.disabled_reason == "410 Gone"
        assert {d.status for d in await repo.deliveries(one.id, 10)} == {
            DeliveryStatus.DELIVERED,
            DeliveryStatus.DROPPED,
        }
        assert await repo.remove_webhook(two.id) is True
        assert await repo.remove_webhook(two.id) is False
        assert await repo.deliveries(two.id, 10) == []


async def test_a_snapshot_reads_and_refuses_to_write(store: Store) -> None:
    async with store.transaction() as repo:
        await repo.add_office("Main")
    async with store.snapshot() as repo:
        assert [o.name for o in await repo.list_offices()] == ["Main"]
    with pytest.raises(StorageError):
        async with store.snapshot() as repo:
            await repo.add_office("Branch")
    async with store.transaction() as repo:  # and writing works again afterwards
        await repo.add_office("Branch")
        assert sorted(o.name for o in await repo.list_offices()) == ["Branch", "Main"]


async def test_old_settled_events_are_pruned_pending_ones_kept(store: Store) -> None:
    async with store.transaction() as repo:
        hook = await repo.add_webhook(NewWebhook("http://a.example/h", ("lead.created",), "s", T0))
        old = T0 - timedelta(days=40)
        events = [
            await repo.add_webhook_event(
                NewWebhookEvent(f"msg_{n}", "lead.created", at, "{}", n), [hook.id]
            )
            for n, at in enumerate((old, old, T0))
        ]
        [first, *_] = await repo.due_deliveries(old, 10)
        assert first.event.event_id == "msg_0"
        await repo.delivery_attempted(
            first.id, at=old, status_code=204, error=None, delivered=True, retry_at=None
        )
        # msg_0: old and delivered; msg_1: old but still waiting; msg_2: recent.
        assert await repo.prune_webhook_events(T0 - timedelta(days=30), 100) == 1
        assert await repo.webhook_event("msg_0") is None
        assert await repo.webhook_event("msg_1") == events[1]
        assert await repo.webhook_event("msg_2") == events[2]
        assert [d.event.event_id for d in await repo.deliveries(hook.id, 10)] == ["msg_2", "msg_1"]
        assert await repo.prune_webhook_events(T0 - timedelta(days=30), 100) == 0


async def test_carriers_and_the_numbers_they_carry(store: Store) -> None:
    async with store.transaction() as repo:
        office, _, _ = await people(repo)
        number = await repo.add_number(NewSmartNumber("+12125550100", Scope.OFFICE, office))
        assert number.sms_carrier_id is None
        made = await repo.add_carrier(
            NewCarrier("tx", CarrierKind.TELNYX, T0, "https://api.telnyx.com/v2", "k" * 20, "p")
        )
        assert await repo.carrier_by_name("tx") == made == await repo.carrier_by_id(made.id)
        assert await repo.carrier_by_name("nope") is None
        await repo.set_number_carrier(number.id, made.id)
        linked = await repo.number_by_e164("+12125550100")
        assert linked is not None and linked.sms_carrier_id == made.id
        await repo.set_number_carrier(number.id, None)
        unlinked = await repo.number_by_id(number.id)
        assert unlinked is not None and unlinked.sms_carrier_id is None
        assert [c.name for c in await repo.carriers()] == ["tx"]
    with pytest.raises(Conflict):
        async with store.transaction() as repo:
            await repo.add_carrier(NewCarrier("tx", CarrierKind.SIP, T0))


async def test_deliveries_are_claimed_with_a_lease_and_settled_by_their_holder(
    store: Store,
) -> None:
    lease = T0 + timedelta(seconds=60)
    async with store.transaction() as repo:
        one = await repo.add_webhook(NewWebhook("https://a.example/h", ("lead.created",), "s", T0))
        two = await repo.add_webhook(NewWebhook("https://b.example/h", ("lead.created",), "s", T0))
        for n in range(6):  # six contacts, one event each, for both subscriptions
            event = NewWebhookEvent(f"msg_{n}", "lead.created", T0, "{}", contact_id=n + 1)
            await repo.add_webhook_event(event, [one.id, two.id])
    async with store.transaction() as repo:
        first = await repo.claim_deliveries("w1", T0, lease, limit=100, per_webhook=2)
    # two of each subscription at most, oldest first
    assert sorted((d.webhook_id, d.event.event_id) for d in first) == [
        (one.id, "msg_0"), (one.id, "msg_1"), (two.id, "msg_0"), (two.id, "msg_1"),
    ]  # fmt: skip
    async with store.transaction() as repo:
        # w2 gets none while w1's leases live: each subscription has two in flight
        assert await repo.claim_deliveries("w2", T0, lease, limit=100, per_webhook=2) == []
        done = first[0]
        assert await repo.delivery_attempted(
            done.id, at=T0, status_code=204, error=None, delivered=True, retry_at=None,
            worker="w1",
        )  # fmt: skip
        # a slot of that subscription is free again
        [next_one] = await repo.claim_deliveries("w2", T0, lease, limit=100, per_webhook=2)
        assert next_one.webhook_id == done.webhook_id and next_one.event.event_id == "msg_2"
    after = lease + timedelta(seconds=1)  # w1 died: its leases ran out
    async with store.transaction() as repo:
        taken = await repo.claim_deliveries("w3", after, after + timedelta(60), 100, 10)
        assert {d.id for d in first[1:]} <= {d.id for d in taken}
        assert next_one.id in {d.id for d in taken}  # w2's lease ran out too
        # w1's late word is not written over w3's claim
        late = first[1]
        assert not await repo.delivery_attempted(
            late.id, at=after, status_code=204, error=None, delivered=True, retry_at=None,
            worker="w1",
        )  # fmt: skip
        [still] = [d for d in await repo.deliveries(None, 100) if d.id == late.id]
        assert still.status is DeliveryStatus.PENDING and still.attempts == 0


async def test_a_paused_subscription_is_not_claimed_and_a_success_resets_it(store: Store) -> None:
    async with store.transaction() as repo:
        hook = await repo.add_webhook(NewWebhook("https://a.example/h", ("lead.created",), "s", T0))
        await repo.add_webhook_event(NewWebhookEvent("m", "lead.created", T0, "{}", 1), [hook.id])
        assert await repo.webhook_answered(hook.id, ok=False) == 1
        assert await repo.webhook_answered(hook.id, ok=False) == 2
        await repo.pause_webhook(hook.id, T0 + timedelta(minutes=1))
        assert await repo.due_deliveries(T0, 10) == []  # nothing to wake a worker for
        assert await repo.claim_deliveries("w", T0, T0 + timedelta(60), 10, 10) == []
        later = T0 + timedelta(minutes=1)
        assert len(await repo.claim_deliveries("w", later, later + timedelta(60), 10, 10)) == 1
        assert await repo.webhook_answered(hook.id, ok=True) == 0
        rested = await repo.webhook_by_id(hook.id)
        assert rested is not None and rested.failures == 0 and rested.paused_until is None


async def test_two_stores_on_one_database_claim_disjoint_deliveries(
    store: Store, store_url: str
) -> None:
    async with store.transaction() as repo:
        hooks = [
            await repo.add_webhook(NewWebhook(f"https://{n}.example/h", ("x",), "s", T0))
            for n in "abcd"
        ]
        for n in range(100):
            event = NewWebhookEvent(f"msg_{n}", "x", T0, "{}", contact_id=n)
            await repo.add_webhook_event(event, [h.id for h in hooks])
    other = await open_store(store_url)  # the same database, opened a second time
    claimed: dict[str, list[int]] = {"a": [], "b": []}

    async def drain(name: str, on: Store) -> None:
        while True:
            async with on.transaction() as repo:
                got = await repo.claim_deliveries(name, T0, T0 + timedelta(60), 7, 1000)
                for d in got:
                    await repo.delivery_attempted(
                        d.id, at=T0, status_code=204, error=None, delivered=True,
                        retry_at=None, worker=name,
                    )  # fmt: skip
            if not got:
                return
            claimed[name] += [d.id for d in got]
            await asyncio.sleep(0)

    try:
        await asyncio.gather(drain("a", store), drain("b", other))
    finally:
        await other.close()
    both = claimed["a"] + claimed["b"]
    assert len(both) == len(set(both)) == 400  # each delivery once, by one of them


async def test_opt_outs_of_numbers_no_contact_has_are_found_by_time(store: Store) -> None:
    async with store.transaction() as repo:
        await repo.add_contact(NewContact("Ann", (ContactPhone("+12125550199"),), T0))
        await repo.set_opted_out("+12125550199", True, T0, "STOP")  # a contact's
        await repo.set_opted_out("+12125550198", True, T0, "stop texting me")
        await repo.set_opted_out("+12125550197", True, T0 + timedelta(days=2), "STOP")
        found = await repo.stranger_opt_outs(T0, T0 + timedelta(days=1), 10)
    assert [(e.e164, e.evidence) for e in found] == [("+12125550198", "stop texting me")]
