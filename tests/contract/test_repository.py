"""The repository contract: what every store must do, whatever its database.

Each test runs against every store open_store() can open (today SQLite; PostgreSQL
joins the list when it comes and must pass the same tests unchanged). Only the
Repository interface is used here: no SQL, no driver, no store-specific detail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from smartnumber.errors import Conflict
from smartnumber.model import (
    ActivityKind,
    Agent,
    ConsentEvent,
    ContactPhone,
    Direction,
    LineType,
    Recording,
    RecordingKind,
    RoutingMode,
    Scope,
    Subscription,
    Suspension,
    TextCode,
    TextStatus,
)
from smartnumber.storage import Repository, Store
from smartnumber.storage.repository import (
    NewActivity,
    NewAgent,
    NewContact,
    NewInboundText,
    NewSmartNumber,
    NewText,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ANN = "+12125550199"
T = TypeVar("T")


async def within(store: Store, work: Callable[[Repository], Awaitable[T]]) -> T:
    async with store.transaction() as repo:
        return await work(repo)


async def people(repo: Repository) -> tuple[int, Agent, Agent]:
    """An office with two agents (Alice an admin with an email); returns its id."""
    office = await repo.add_office("Main")
    team = await repo.add_team("Sales", office.id)
    alice = await repo.add_agent(
        NewAgent("Alice", "+12125550101", "alice", office.id, team.id, True, "a@example.com")
    )
    bob = await repo.add_agent(NewAgent("Bob", "+12125550102", "bob", office.id, team.id))
    return office.id, alice, bob


async def ann(repo: Repository, owner: int | None = None) -> int:
    contact = await repo.add_contact(
        NewContact("Ann", (ContactPhone(ANN),), T0, owner_agent_id=owner)
    )
    return contact.id


# -- transactions and errors ---------------------------------------------------------------


async def test_a_transaction_commits_when_it_ends_and_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as repo:
            await repo.add_office("Gone")
            raise RuntimeError("boom")
    await within(store, lambda repo: repo.add_office("Kept"))
    assert [o.name for o in await within(store, lambda r: r.list_offices())] == ["Kept"]


async def test_broken_rules_are_conflicts(store: Store) -> None:
    await within(store, people)
    for attempt in (
        lambda r: r.add_office("Main"),  # the name is taken
        lambda r: r.add_agent(NewAgent("Alice", "+12125550109")),
        lambda r: r.add_team("Support", 999),  # no such office
        lambda r: r.add_activity(NewActivity(999, ActivityKind.NOTE, Direction.INTERNAL, T0)),
        lambda r: r.set_number_routing(999, RoutingMode.AGENT, [1]),
    ):
        with pytest.raises(Conflict):
            await within(store, attempt)
    assert len(await within(store, lambda r: r.list_agents())) == 2  # still usable


# -- the organisation ----------------------------------------------------------------------


async def test_offices_teams_and_agents_are_found_by_name_id_endpoint_and_cell(
    store: Store,
) -> None:
    async with store.transaction() as repo:
        office_id, alice, bob = await people(repo)
        assert (await repo.office_by_name("Main")).id == office_id  # type: ignore[union-attr]
        assert (await repo.office_by_id(office_id)).name == "Main"  # type: ignore[union-attr]
        team = await repo.team_by_name("Sales")
        assert team is not None and (await repo.team_by_id(team.id)) == team
        assert [t.name for t in await repo.list_teams()] == ["Sales"]
        assert await repo.agent_by_name("Alice") == alice
        assert await repo.agent_by_id(bob.id) == bob
        assert await repo.agent_by_endpoint("bob") == bob
        assert await repo.agent_by_cell("+12125550102") == bob
        assert await repo.agent_by_cell("+12125550000") is None
        assert await repo.office_by_name("Nowhere") is None
        assert [a.name for a in await repo.list_agents()] == ["Alice", "Bob"]
        assert {a.id for a in await repo.agents_by_ids([bob.id, alice.id])} == {alice.id, bob.id}
        assert await repo.agents_by_ids([]) == []
        assert [a.name for a in await repo.active_admins()] == ["Alice"]
        await repo.set_agent_active(alice.id, False)
        assert await repo.active_admins() == []
        assert (await repo.agent_by_id(alice.id)).active is False  # type: ignore[union-attr]


# -- Smart Numbers -------------------------------------------------------------------------


async def test_numbers_their_owners_settings_and_routing(store: Store) -> None:
    async with store.transaction() as repo:
        office_id, alice, bob = await people(repo)
        office = await repo.add_number(
            NewSmartNumber("+12125550100", Scope.OFFICE, office_id, fallback_agent_id=alice.id)
        )
        mine = await repo.add_number(NewSmartNumber("+12125550120", Scope.PERSONAL, bob.id))
        assert await repo.number_by_e164("+12125550100") == office
        assert await repo.number_by_id(mine.id) == mine
        assert [n.e164 for n in await repo.list_numbers()] == ["+12125550100", "+12125550120"]
        assert await repo.numbers_owned(Scope.PERSONAL, bob.id) == [mine]
        assert office.fallback_agent_id == alice.id and office.office_id == office_id
        await repo.set_primary_number(mine)
        assert (await repo.number_by_id(mine.id)).primary  # type: ignore[union-attr]
        await repo.set_number_settings(office.id, {"call_handling": {"record": True}})
        reread = await repo.number_by_id(office.id)
        assert reread is not None and reread.settings == {"call_handling": {"record": True}}
        assert await repo.number_routing(office.id) is None
        await repo.set_number_routing(office.id, RoutingMode.ROUND_ROBIN, [bob.id, alice.id])
        assert await repo.advance_round_robin(office.id, None, bob.id)  # the first turn
        assert not await repo.advance_round_robin(office.id, None, alice.id)  # taken already
        routing = await repo.number_routing(office.id)
        assert routing is not None and routing.mode == RoutingMode.ROUND_ROBIN
        assert routing.agent_ids == (bob.id, alice.id) and routing.last_agent_id == bob.id
    with pytest.raises(Conflict):  # one number, one owner
        await within(store, lambda r: r.add_number(NewSmartNumber("+12125550120", Scope.OFFICE, 1)))


# -- contacts ------------------------------------------------------------------------------


async def test_contacts_by_phone_id_and_page_with_their_ownership(store: Store) -> None:
    async with store.transaction() as repo:
        _, alice, bob = await people(repo)
        first = await ann(repo, owner=alice.id)
        shared = await repo.add_contact(
            NewContact("Ann's husband", (ContactPhone(ANN), ContactPhone("+12125550198")), T0)
        )
        assert {c.id for c in await repo.contacts_by_phone(ANN)} == {first, shared.id}
        assert await repo.contacts_by_phone("+12125550000") == []
        contact = await repo.contact_by_id(first)
        assert contact is not None and contact.owner_agent_id == alice.id
        assert contact.phones == (ContactPhone(ANN),) and contact.created_at == T0
        assert [c.id for c in await repo.contacts_by_ids([shared.id])] == [shared.id]
        assert [c.id for c in await repo.list_contacts(1, offset=1)] == [shared.id]
        await repo.set_contact_ownership(
            first,
            owner_agent_id=None,
            owner_team_id=None,
            owner_office_id=None,
            assigned_agent_id=bob.id,
        )
        moved = await repo.contact_by_id(first)
        assert moved is not None and (moved.owner_agent_id, moved.assigned_agent_id) == (
            None,
            bob.id,
        )


# -- the timeline --------------------------------------------------------------------------


async def test_activities_timeline_call_keys_and_imports_once(store: Store) -> None:
    async with store.transaction() as repo:
        _, alice, _ = await people(repo)
        contact = await ann(repo)
        call = await repo.add_activity(
            NewActivity(contact, ActivityKind.CALL, Direction.INBOUND, T0, alice.id, call_key="k1")
        )
        assert call is not None and call.call_key == "k1"
        assert await repo.activity_by_call_key("k1") == call
        assert await repo.activity_by_id(call.id) == call
        await repo.update_activity(call.id, None, {"status": "missed"})
        updated = await repo.activity_by_id(call.id)
        assert updated is not None and (updated.agent_id, updated.detail) == (
            None,
            {"status": "missed"},
        )
        email = NewActivity(
            contact,
            ActivityKind.EMAIL,
            Direction.OUTBOUND,
            T0 + timedelta(hours=1),
            alice.id,
            external_id="crm-1",
        )
        assert await repo.add_activity(email) is not None
        assert await repo.add_activity(email) is None  # the same CRM entry twice: kept once
        assert [a.kind for a in await repo.timeline([contact], 10)] == [
            ActivityKind.EMAIL,
            ActivityKind.CALL,
        ]
        assert len(await repo.timeline([contact], 1)) == 1
    with pytest.raises(Conflict):  # a call key names one call
        await within(
            store,
            lambda r: r.add_activity(
                NewActivity(contact, ActivityKind.CALL, Direction.INBOUND, T0, call_key="k1")
            ),
        )


async def test_the_latest_conversation_and_outbound_activity_with_an_agent(store: Store) -> None:
    async with store.transaction() as repo:
        _, alice, bob = await people(repo)
        contact = await ann(repo)
        for hours, kind, direction, agent in (
            (1, ActivityKind.TEXT, Direction.INBOUND, alice.id),
            (2, ActivityKind.EMAIL, Direction.OUTBOUND, bob.id),
            (3, ActivityKind.NOTE, Direction.INTERNAL, bob.id),
        ):
            await repo.add_activity(
                NewActivity(contact, kind, direction, T0 + timedelta(hours=hours), agent)
            )
        talk = await repo.latest_conversation([contact], T0)
        assert talk is not None and (talk.agent_id, talk.kind) == (alice.id, ActivityKind.TEXT)
        assert await repo.latest_conversation([contact], T0 + timedelta(hours=2)) is None
        out = await repo.latest_outbound([contact])
        assert out is not None and (out.agent_id, out.kind) == (bob.id, ActivityKind.EMAIL)
        assert await repo.latest_outbound([]) is None
        # The most recent outbound activity wins, not the oldest (a seed rule): Alice's
        # search alert comes after Bob's email, and an older one of Bob's before both.
        for hours, agent in ((-5, bob.id), (4, alice.id)):
            await repo.add_activity(
                NewActivity(
                    contact, ActivityKind.SEARCH_ALERT, Direction.OUTBOUND,
                    T0 + timedelta(hours=hours), agent,
                )
            )  # fmt: skip
        newest = await repo.latest_outbound([contact])
        assert newest is not None and newest.agent_id == alice.id
        assert newest.at == T0 + timedelta(hours=4)


async def test_the_conversation_window_starts_at_since_inclusive(store: Store) -> None:
    """`since` itself is in the window, a millisecond before it is not (the 90 days are
    counted by the caller; the store must not move the edge)."""
    async with store.transaction() as repo:
        _, alice, bob = await people(repo)
        contact = await ann(repo)
        since = T0 + timedelta(days=1)
        await repo.add_activity(
            NewActivity(contact, ActivityKind.CALL, Direction.INBOUND, since, alice.id)
        )
        await repo.add_activity(
            NewActivity(
                contact, ActivityKind.TEXT, Direction.OUTBOUND,
                since - timedelta(milliseconds=1), bob.id,
            )
        )  # fmt: skip
        edge = await repo.latest_conversation([contact], since)
        assert edge is not None and edge.agent_id == alice.id
        assert await repo.latest_conversation([contact], since + timedelta(milliseconds=1)) is None


# -- caller IDs, opt-outs, codes, line types, registration ----------------------------------


async def test_an_agents_caller_ids_are_counted_verified_and_chosen(store: Store) -> None:
    async with store.transaction() as repo:
        _, alice, _ = await people(repo)
        await repo.caller_id_attempted(alice.id, "+12125550177")
        await repo.caller_id_attempted(alice.id, "+12125550177")
        [tried] = await repo.caller_ids(alice.id)
        assert (tried.attempts, tried.verified_at, tried.in_use) == (2, None, False)
        await repo.caller_id_verified(alice.id, "+12125550177", T0)
        await repo.use_caller_id(alice.id, "+12125550177")
        [used] = await repo.caller_ids(alice.id)
        assert (used.verified_at, used.in_use) == (T0, True)
        await repo.use_caller_id(alice.id, None)
        assert not (await repo.caller_ids(alice.id))[0].in_use


async def test_opt_outs_follow_contacts_phones(store: Store) -> None:
    async with store.transaction() as repo:
        contact = await ann(repo)
        await repo.set_opted_out(ANN, True, T0)
        assert await repo.opted_out(ANN)
        phone = (await repo.contact_by_id(contact)).phones[0]  # type: ignore[union-attr]
        assert phone.subscription == Subscription.UNSUBSCRIBED
        await repo.set_opted_out(ANN, False, T0)
        assert not await repo.opted_out(ANN)
        assert not await repo.opted_out("+12125550000")
        assert not await repo.consented(ANN)
        await repo.add_consent_event(ConsentEvent(ANN, "consent", T0, "verbal", "at the door"))
        assert await repo.consented(ANN)
        assert await repo.consented_among([ANN, "+12125550000"]) == {ANN}
        assert [(e.event, e.evidence) for e in await repo.consent_events(ANN)] == [
            ("opt-out", ""),
            ("opt-in", ""),
            ("consent", "at the door"),
        ]


async def test_text_codes(store: Store) -> None:
    async with store.transaction() as repo:
        _, alice, _ = await people(repo)
        code = TextCode("tour", "Tours run daily at 10.", alice.id, None, T0)
        await repo.add_text_code(code)
        assert await repo.text_code("tour") == code
        assert await repo.text_codes() == [code]
        assert await repo.remove_text_code("tour")
        assert not await repo.remove_text_code("tour")
        assert await repo.text_code("tour") is None


async def test_line_types_by_number_then_prefix(store: Store) -> None:
    async with store.transaction() as repo:
        await ann(repo)
        assert await repo.line_type(ANN) == LineType.UNKNOWN
        await repo.set_line_type("+1212555", LineType.LANDLINE)
        assert await repo.line_type(ANN) == LineType.LANDLINE
        await repo.set_line_type(ANN, LineType.MOBILE)
        assert await repo.line_type(ANN) == LineType.MOBILE
        assert await repo.line_type("+12125550000") == LineType.LANDLINE


async def test_brands_campaigns_and_a_numbers_registration(store: Store) -> None:
    async with store.transaction() as repo:
        office_id, _, _ = await people(repo)
        number = await repo.add_number(NewSmartNumber("+18005550100", Scope.OFFICE, office_id))
        unregistered = await repo.registration(number.id)
        assert (unregistered.campaign, unregistered.tollfree_status) == (None, None)
        brand = await repo.add_brand("Acme", "12-3456789", T0)
        assert await repo.brand_id("Acme") == brand
        campaign_id = await repo.add_campaign(brand, "customer care", ["Hi, it's Acme"], T0)
        await repo.set_campaign_status(campaign_id, "approved")
        campaign = await repo.campaign(campaign_id)
        assert campaign is not None and (campaign.brand, campaign.status) == ("Acme", "approved")
        assert campaign.samples == ("Hi, it's Acme",)
        await repo.link_campaign(number.id, campaign_id)
        await repo.set_tollfree_status(number.id, "verified")
        registration = await repo.registration(number.id)
        assert registration.campaign == campaign and registration.tollfree_status == "verified"


# -- suspensions and the detectors' history ------------------------------------------------


async def test_suspensions_their_notices_and_lifting(store: Store) -> None:
    async with store.transaction() as repo:
        _, alice, bob = await people(repo)
        made = Suspension(
            0,
            bob.id,
            "repeated",
            "same text",
            ({"at": "t", "lead": ANN, "what": "x"},),
            T0,
            T0 + timedelta(days=1),
        )
        first = await repo.add_suspension(made)
        second = await repo.add_suspension(
            Suspension(
                0, bob.id, "bulk", "many", (), T0 + timedelta(hours=1), T0 + timedelta(days=1)
            )
        )
        assert [s.id for s in await repo.suspensions(bob.id)] == [second, first]  # newest first
        assert await repo.suspensions(alice.id) == []
        assert len(await repo.suspensions(None)) == 2
        email = await repo.queue_email("a@example.com", "Bob suspended", "why", T0, first)
        assert [e.id for e in await repo.suspension_emails(first)] == [email]
        grouped = await repo.emails_of_suspensions([first, second])
        assert [e.id for e in grouped.get(first, [])] == [email] and not grouped.get(second)
        await repo.lift_suspension(first, T0 + timedelta(hours=2), "reviewed")
        lifted = next(s for s in await repo.suspensions(bob.id) if s.id == first)
        assert (lifted.lifted_reason, lifted.evidence) == ("reviewed", made.evidence)


async def test_the_texts_an_agent_sent_and_the_replies_they_got(store: Store) -> None:
    async with store.transaction() as repo:
        _, alice, bob = await people(repo)
        contact = await ann(repo)
        for hours, direction, agent, peer, detail in (
            (1, Direction.OUTBOUND, alice.id, ANN, {"text": "hello"}),
            (2, Direction.INBOUND, alice.id, ANN, {"text": "STOP", "keyword": "STOP"}),
            (3, Direction.OUTBOUND, bob.id, ANN, {"text": "not Alice's"}),
        ):
            await repo.add_activity(
                NewActivity(
                    contact,
                    ActivityKind.TEXT,
                    direction,
                    T0 + timedelta(hours=hours),
                    agent,
                    detail=detail,
                    peer=peer,
                )
            )
        [sent] = await repo.agent_texts(alice.id, T0)
        assert (sent.to, sent.body) == (ANN, "hello")
        assert await repo.agent_texts(alice.id, T0 + timedelta(hours=2)) == []
        [reply] = await repo.texts_from([ANN, "+12125550000"], T0)
        assert (reply.sender, reply.keyword) == (ANN, "STOP")
        assert await repo.texts_from([], T0) == []


# -- email, inbox, outbox ------------------------------------------------------------------


async def test_emails_wait_until_sent_and_count_failures(store: Store) -> None:
    async with store.transaction() as repo:
        first = await repo.queue_email("a@example.com", "one", "body", T0)
        second = await repo.queue_email("b@example.com", "two", "body", T0)
        await repo.email_failed(first, "connection refused")
        await repo.email_sent(second, T0)
        [waiting] = await repo.unsent_emails(10)
        assert (waiting.id, waiting.attempts, waiting.last_error) == (
            first,
            1,
            "connection refused",
        )


async def test_the_inbox_keeps_a_text_once_until_handled(store: Store) -> None:
    text = NewInboundText("key1", "+12125550100", ANN, f"<sip:{ANN}@carrier>", "hi", 2, "agi", T0)
    async with store.transaction() as repo:
        kept = await repo.keep_inbound_text(text)
        assert kept is not None
        assert await repo.keep_inbound_text(text) is None  # the carrier sent it twice
        await repo.inbound_text_attempted(kept, "database busy")
        [pending] = await repo.pending_inbound_texts(10)
        assert (pending.id, pending.body, pending.attempts) == (kept, "hi", 1)
        await repo.inbound_text_handled(kept, T0, "forwarded")
        assert await repo.pending_inbound_texts(10) == []
        handled = await repo.inbound_text(kept)
        assert handled is not None and (handled.processed_at, handled.outcome) == (T0, "forwarded")


async def test_the_outbox_hands_out_due_texts_and_keeps_their_fate(store: Store) -> None:
    sender = "+12125550100"
    async with store.transaction() as repo:
        first = await repo.queue_text(NewText(sender, ANN, "one", "sent", T0))
        second = await repo.queue_text(NewText(sender, ANN, "two", "auto-reply", T0))
        refused = await repo.queue_text(
            NewText(sender, ANN, "three", "auto-reply", T0, status=TextStatus.REFUSED, reason="cap")
        )
        assert [t.id for t in await repo.due_texts(T0, 10)] == [first, second]
        await repo.text_attempted(first, "asterisk down", T0 + timedelta(minutes=1), counts=False)
        assert [t.id for t in await repo.due_texts(T0, 10)] == [second]
        await repo.text_done(second, TextStatus.SENT, T0)
        retried = await repo.queued_text(first)
        assert retried is not None and retried.last_error == "asterisk down"
        assert retried.attempts == 0  # unreachable is not the carrier refusing
        await repo.text_attempted(first, "refused", None)
        failed = await repo.queued_text(first)
        assert failed is not None and (failed.status, failed.attempts) == (TextStatus.FAILED, 1)
        assert [
            t.id for t in await repo.texts_by_status([TextStatus.SENT, TextStatus.FAILED], 10)
        ] == [second, first]
        sent = await repo.queued_text(second)
        assert sent is not None and sent.sent_at == T0
        assert (await repo.queued_text(refused)).status == TextStatus.REFUSED  # type: ignore[union-attr]
        assert await repo.automatic_texts_to(ANN, ["auto-reply"], T0) == 1


# -- recordings, the service's state, settings ---------------------------------------------


async def test_recordings_by_contact_newest_first(store: Store) -> None:
    async with store.transaction() as repo:
        contact = await ann(repo)
        for n, kind in ((1, RecordingKind.RECORDING), (2, RecordingKind.VOICEMAIL)):
            await repo.add_recording(
                Recording(
                    f"rec-{n:016x}",
                    kind,
                    contact,
                    None,
                    None,
                    f"/m/{n}.wav",
                    3.5,
                    T0 + timedelta(minutes=n),
                )
            )
        assert [r.id for r in await repo.recordings([contact], 10)] == [
            f"rec-{2:016x}",
            f"rec-{1:016x}",
        ]
        assert len(await repo.recordings(None, 1)) == 1
        kept = await repo.recording_by_id(f"rec-{1:016x}")
        assert kept is not None and (kept.seconds, kept.contact_id) == (3.5, contact)
        assert await repo.recording_ids([f"rec-{1:016x}", "rec-none"]) == {f"rec-{1:016x}"}


async def test_service_state_and_settings_are_kept_and_replaced(store: Store) -> None:
    async with store.transaction() as repo:
        assert await repo.state("cdr.offset") is None
        await repo.set_state("cdr.offset", "10")
        await repo.set_state("cdr.offset", "20")
        assert await repo.state("cdr.offset") == "20"
        await repo.set_setting("texting.auto_reply_limit", "5")
        await repo.set_setting("texting.auto_reply_limit", "7")
        assert (await repo.settings())["texting.auto_reply_limit"] == "7"
