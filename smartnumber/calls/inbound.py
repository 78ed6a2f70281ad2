"""Inbound calls: gather the facts, decide (routing/), act on the decision, record it.

The FastAGI handlers and `route explain` both come through here, so a real call and
its explanation are decided by the same code from the same facts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from .. import clock, media, phone
from ..directory import numbers, organisation
from ..errors import NotFound, UserError
from ..model import (
    Activity,
    ActivityKind,
    Agent,
    CallOutcome,
    Contact,
    ContactPhone,
    Direction,
    ForwardWhen,
    RecordingKind,
    Ring,
    RoutingMode,
    Scope,
    SmartNumber,
)
from ..routing import forwarding
from ..routing.inbound import (
    CONVERSATION_WINDOW,
    AgentInfo,
    CallFacts,
    ContactInfo,
    NumberInfo,
    RecentActivity,
    RouteDecision,
    decide,
)
from ..storage.repository import (
    CallRecords,
    LatestActivity,
    NewActivity,
    NewContact,
    Organisation,
    Repository,
    RoutingReads,
    Store,
)
from ..webhooks import events
from . import outcome_words, recordings
from .call_record import CallToRecord, reference_of_key
from .handling import territories_allowed


@dataclass(frozen=True)
class RoutedCall:
    decision: RouteDecision
    rings: tuple[Ring, ...]  # the phones rung first, at once; empty when none can be
    ring_seconds: int
    call_id: int | None  # its timeline entry, once written (route_incoming); else None
    forward: str = ""  # E.164 to ring through the trunk after (or instead of) the agents
    forward_ring: Ring | None = None  # that second stage, unless it rings with the first
    show_number: str = ""  # caller ID the answering phones see; empty: the caller's
    notes: tuple[str, ...] = ()  # targets left out, and why
    media_id: str = ""  # names this call's recording and voicemail files, when either is on
    record: bool = False
    voicemail: bool = False
    whisper_prompt: str = ""  # prompt keys (media.prompt_path)
    consent_prompt: str = ""
    show_name: str = ""  # with show_number, the number's approved CNAM name
    to_record: CallToRecord | None = None  # what the call writes; None: it has no contact
    number_id: int = 0
    last_turn: int | None = None  # the round-robin turn the decision started from

    @property
    def reference(self) -> str:
        """What names the call until it ends: its entry's id, or k<key> before it is
        written; '' for a call that has no entry."""
        if self.call_id is not None:
            return str(self.call_id)
        return reference_of_key(self.to_record.call_key) if self.to_record else ""


def caller_number(raw: str) -> str | None:
    """The caller's E.164 number, or None for anything that is not a phone number."""
    try:
        return phone.to_e164(raw)
    except UserError:
        return None


def _facts(
    records: CallRecords, number: SmartNumber, caller: str | None
) -> tuple[CallFacts, dict[int, Agent]]:
    """The facts for decide(), and the agents they name (for building dial targets)."""
    people = records.agents
    fallback = numbers.fallback_among(number, people, records.admins, records.team_office_id)
    facts = CallFacts(
        number=NumberInfo(
            e164=number.e164,
            scope=number.scope,
            owner_agent_id=number.agent_id,
            routing=records.routing,
            default_agent_id=fallback.id if fallback else None,
        ),
        caller=caller,
        contacts=tuple(ContactInfo(c.id, c.name) for c in records.contacts),
        latest_conversation=_recent(records.latest_conversation),
        latest_outbound=_recent(records.latest_outbound),
        agents={
            a.id: AgentInfo(a.id, a.name, a.active, a.admin, a.office_id) for a in people.values()
        },
    )
    return facts, people


async def _records(
    repo: RoutingReads, e164: str, caller: str | None, now: datetime
) -> tuple[CallRecords, SmartNumber]:
    records = await repo.call_records(e164, caller, now - CONVERSATION_WINDOW)
    if records.number is None:
        raise NotFound(f"{e164} is not a Smart Number here")
    return records, records.number


def _recent(latest: LatestActivity | None) -> RecentActivity | None:
    if latest is None:
        return None
    return RecentActivity(latest.contact_id, latest.agent_id, latest.kind.value, latest.at)


async def explain(
    repo: Repository, number_text: str, caller_text: str, now: datetime
) -> RouteDecision:
    """Whom a call would ring and why; changes nothing."""
    caller = caller_number(caller_text)
    records, number = await _records(repo, phone.to_e164(number_text), caller, now)
    return decide(_facts(records, number, caller)[0], now)


ROUND_ROBIN_TRIES = 5  # decisions to try when other calls keep taking the turn first


async def route_call(store: Store, did: str, caller_raw: str, now: datetime) -> RoutedCall:
    """Decide a real call, writing nothing but the round-robin turn: the decision reads a
    snapshot (it waits for no writer), and what the call writes is in `to_record`, for
    record_routed once Asterisk has its answer."""

    async def plan() -> RoutedCall:
        async with store.snapshot() as repo:
            return await plan_call(repo, did, caller_number(caller_raw), now)

    async def take_turn(number_id: int, last: int | None, turn: int) -> bool:
        async with store.transaction() as repo:
            return await repo.advance_round_robin(number_id, last, turn)

    return await _taking_the_turn(plan, take_turn)


async def route_incoming(repo: Repository, did: str, caller_raw: str, now: datetime) -> RoutedCall:
    """route_call and record_routed in one transaction (`route explain`'s sibling for
    tests and benchmarks: the service answers between the two)."""
    caller = caller_number(caller_raw)
    routed = await _taking_the_turn(
        lambda: plan_call(repo, did, caller, now), repo.advance_round_robin
    )
    if routed.to_record is None:
        return routed
    return replace(routed, call_id=await record_routed(repo, routed.to_record))


async def _taking_the_turn(
    plan: Callable[[], Awaitable[RoutedCall]],
    take_turn: Callable[[int, int | None, int], Awaitable[bool]],
) -> RoutedCall:
    """A decision whose round-robin turn, if it has one, is taken. The turn moves by
    compare-and-set: when another call (on another node) took it meanwhile, decide again
    from the turn as it is now."""
    for _ in range(ROUND_ROBIN_TRIES):
        routed = await plan()
        turn = routed.decision.round_robin_agent_id
        if turn is None or await take_turn(routed.number_id, routed.last_turn, turn):
            break
    return routed


async def plan_call(repo: Repository, did: str, caller: str | None, now: datetime) -> RoutedCall:
    """Whom the call rings and how, from one read of the store; changes nothing."""
    records, number = await _records(repo, did, caller, now)
    facts, people = _facts(records, number, caller)
    decision = decide(facts, now)
    handling = number.handling
    key = media.new_media_id()
    lead = decision.contact_id is not None or (caller is not None and decision.new_lead)
    media_id = key if handling.record or handling.voicemail else ""
    territories = territories_allowed(records.allow_us_territories)
    notes: list[str] = []
    rings = []
    for agent_id in () if handling.forward_when is ForwardWhen.ALWAYS else decision.agent_ids:
        agent = people[agent_id]  # a decision names only agents its facts hold
        ring = Ring.agent(agent, call_connect=handling.call_connect)
        if ring.number is not None:  # their cell, through the trunk: the forwarding rule holds
            verdict = forwarding.check(ring.number, allow_us_territories=territories)
            if not verdict.allowed:
                notes.append(f"{agent.name}'s cell not rung: {verdict.reason}")
                continue
        rings.append(ring)
    forward = ""
    if handling.forward_to:  # checked again now: rules may have tightened since config
        verdict = forwarding.check(handling.forward_to, allow_us_territories=territories)
        if verdict.allowed:
            forward = handling.forward_to
        else:
            notes.append(f"not forwarded: {verdict.reason}")
    later = Ring(number=forward, call_connect=handling.call_connect) if forward else None
    if later and handling.forward_when is ForwardWhen.TOGETHER:  # one Dial rings them all
        rings.append(later)
        later = None
    return RoutedCall(
        decision,
        tuple(dict.fromkeys(rings)),  # an agent's cell may also be the forward
        handling.timeout,
        None,
        forward,
        later,
        number.e164 if handling.pass_called_number else "",
        tuple(notes),
        media_id=media_id,
        record=handling.record,
        voicemail=handling.voicemail,
        whisper_prompt=handling.whisper_prompt or "",
        consent_prompt=(handling.consent_prompt or "") if handling.record else "",
        show_name=(records.identity.caller_name or "") if handling.pass_called_number else "",
        to_record=CallToRecord(key, number.id, number.e164, caller, now, decision, media_id)
        if lead
        else None,
        number_id=number.id,
        last_turn=records.routing.last_agent_id if records.routing else None,
    )


async def record_routed(repo: Repository, call: CallToRecord) -> int | None:
    """What a routed call writes: its lead (a new caller's, or a redirected one's owner),
    its timeline entry and its call.routed event; the entry's id. Twice for one call is
    refused (Conflict: its key is taken), so the transaction keeps nothing of the second."""
    decision = call.decision
    contact_id = await _lead(repo, call.number_e164, call.caller, decision, call.at)
    if contact_id is None:
        return None
    detail: dict[str, Any] = {
        "status": "ringing",
        "caller": call.caller,
        "decision": decision.as_dict(),
    }
    if call.media_id:
        detail["media_id"] = call.media_id
    added = await repo.add_activity(
        NewActivity(
            contact_id=contact_id,
            kind=ActivityKind.CALL,
            direction=Direction.INBOUND,
            at=call.at,
            smart_number_id=call.number_id,
            detail=detail,
            call_key=call.call_key,
        )
    )
    call_id = added.id if added else None
    await events.publish(
        repo,
        events.CALL_ROUTED,
        {
            "call_id": call_id,
            "contact_id": contact_id,
            "smart_number": call.number_e164,
            "caller": call.caller,
            "agents": list(decision.agents),
            "rule": decision.rule.value,
            "reason": decision.reason,
        },
        at=call.at,
        contact_id=contact_id,
        agent_id=decision.agent_ids[0] if decision.agent_ids else None,
    )
    return call_id


async def _lead(
    repo: Repository,
    number_e164: str,
    caller: str | None,
    decision: RouteDecision,
    now: datetime,
) -> int | None:
    """The contact this call is about, creating the tracked-call lead for a new caller and
    assigning it when the call was redirected from an inactive agent."""
    single = decision.agent_ids[0] if len(decision.agent_ids) == 1 else None
    entity = await _entity_of(repo, decision.redirected_from_id)
    contact_id = decision.contact_id
    if contact_id is None:
        if caller is None or not decision.new_lead:
            return None  # no phone number to keep a lead by
        created = await repo.add_contact(
            NewContact(
                name=f"Caller {caller}",
                phones=(ContactPhone(caller),),
                created_at=now,
                owner_agent_id=None if decision.redirect else single,
                owner_team_id=entity[0],
                owner_office_id=entity[1],
                source=f"phone-call:{number_e164}",
            )
        )
        contact_id = created.id
        await events.lead_created(repo, created, now)
    if decision.redirect and single is not None:
        # SPEC 3.5: assigned to the admin, ownership kept on the inactive agent's entity.
        await repo.set_contact_ownership(
            contact_id,
            owner_agent_id=None,
            owner_team_id=entity[0],
            owner_office_id=entity[1],
            assigned_agent_id=single,
        )
    return contact_id


async def _entity_of(repo: Organisation, agent_id: int | None) -> tuple[int | None, int | None]:
    """(team id, office id) that owns an inactive agent's leads: their team, else office."""
    if agent_id is None:
        return None, None
    agent = await repo.agent_by_id(agent_id)
    if agent is None:
        return None, None
    return (agent.team_id, None) if agent.team_id else (None, agent.office_id)


FINISHED = ("answered", "missed", "agent missed")  # a call's status once its outcome is in


async def finish_call(
    repo: Repository,
    call: int | Activity,
    outcome: CallOutcome,
    *,
    source: str | None = None,
) -> dict[str, Any]:
    """Complete a call's timeline entry with who answered (or that it was missed). Once
    only: a call already finished keeps its outcome (the hangup handler and the CDR may
    both report it). `source`: where the outcome came from, when not the hangup handler.
    `call`: its entry's id, or the entry itself when read with activity_to_change or
    call_to_change in this transaction."""
    activity = await repo.activity_to_change(call) if isinstance(call, int) else call
    if activity is None or activity.kind is not ActivityKind.CALL:
        raise UserError(f"no call with id {call}")
    call_id = activity.id
    if activity.detail.get("status") in FINISHED:
        return dict(activity.detail)
    answered_by = await _answering_agent(repo, outcome)
    detail = dict(activity.detail)
    talk = (outcome.talk_seconds or 0) if outcome.answered else 0
    contact = await repo.contact_by_id(activity.contact_id)
    who_answered = answered_by.name if answered_by else None
    if detail.get("click_to_call"):  # the dialled side is the contact, the agent is ours
        agent = await repo.agent_by_id(activity.agent_id) if activity.agent_id else None
        said = outcome_words.click_to_call(
            outcome.status or "",
            agent=agent.name if agent else "the agent",
            contact=contact.name if contact else outcome.answered_number or "the contact",
            talk_seconds=talk,
        )
        if outcome.answered and contact is not None:
            who_answered = contact.name
    else:
        decision = detail.get("decision")
        rang = list(decision.get("agents", [])) if isinstance(decision, dict) else []
        said = outcome_words.inbound(
            outcome.status or "", answered_by=who_answered, rang=rang, talk_seconds=talk
        )
    detail.update(
        {
            "status": "answered" if outcome.answered else "missed",
            "outcome": said.outcome,
            "said": said.sentence,
            "dial_status": outcome.status or None,
            "answered_by": who_answered,
            "answered_number": outcome.answered_number,
            "talk_seconds": talk,
        }
    )
    if source is not None:
        detail["outcome_from"] = source
    # An outbound call keeps its agent; an inbound one gets whoever answered.
    await repo.update_activity(
        call_id, answered_by.id if answered_by else activity.agent_id, detail
    )
    await events.publish(
        repo,
        events.CALL_ENDED,
        {
            "call_id": call_id,
            "contact_id": activity.contact_id,
            "direction": activity.direction.value,
            "outcome": detail["status"],  # answered | missed
            "result": said.outcome,  # what the timeline and the CLI call it
            "said": said.sentence,
            "call_key": activity.call_key,  # a click-to-call's call_id from POST /v1/calls
            "answered_by": detail["answered_by"],
            "talk_seconds": detail["talk_seconds"],
            "dial_status": detail["dial_status"],
            **await _audio_expected(repo, activity, outcome.answered),
        },
        at=clock.now(),  # when the outcome became known
        contact_id=activity.contact_id,
        agent_id=answered_by.id if answered_by else activity.agent_id,
    )
    if answered_by is not None and contact is not None and _unowned(contact):
        # A lead that rang a group belongs to whoever answered it.
        await repo.set_contact_ownership(
            contact.id,
            owner_agent_id=answered_by.id,
            owner_team_id=None,
            owner_office_id=None,
            assigned_agent_id=None,
        )
    return detail


async def _audio_expected(
    repo: Organisation, call: Activity, answered: bool
) -> dict[str, str | None]:
    """The ids the call's recording (answered, on a number that records) or voicemail
    (missed, on a number that takes it) will be kept under; recording.created or
    voicemail.created follows once the audio is kept."""
    media_id = call.detail.get("media_id")
    ids: dict[str, str | None] = {"recording_id": None, "voicemail_id": None}
    if not media_id or not call.smart_number_id:  # neither was on: no trip to find out
        return ids
    number = await repo.number_by_id(call.smart_number_id)
    if number is None:
        return ids
    if answered and number.handling.record:
        ids["recording_id"] = recordings.recording_id(RecordingKind.RECORDING, media_id)
    elif not answered and number.handling.voicemail:
        ids["voicemail_id"] = recordings.recording_id(RecordingKind.VOICEMAIL, media_id)
    return ids


def _unowned(contact: Contact) -> bool:
    return (
        contact.owner_agent_id is None
        and contact.owner_team_id is None
        and contact.owner_office_id is None
        and contact.assigned_agent_id is None
    )


async def _answering_agent(repo: Organisation, outcome: CallOutcome) -> Agent | None:
    """The agent who answered: by their endpoint, or their cell through the trunk."""
    if outcome.answered_endpoint:
        return await repo.agent_by_endpoint(outcome.answered_endpoint)
    if outcome.answered_number:
        return await repo.agent_by_cell(outcome.answered_number)
    return None


async def record_unrouted_call(
    repo: Repository,
    did: str,
    caller_raw: str,
    status: str,
    reason: str,
    outcome: CallOutcome,
    now: datetime,
    *,
    call_key: str | None = None,
) -> int | None:
    """A call the service could not route in time (FALLBACK): put it on the timeline of the
    caller's contact, if there is one, once the call is over. `call_key` names the call
    (its channel): reported again -- by a second service on the same Asterisk -- it is
    the entry written already."""
    number = await repo.number_by_e164(did)
    caller = caller_number(caller_raw)
    if number is None or caller is None:
        return None
    contacts = await repo.contacts_by_phone(caller)
    if not contacts:
        return None
    if call_key is not None and (known := await repo.activity_by_call_key(call_key)):
        return known.id
    added = await repo.add_activity(
        NewActivity(
            contact_id=contacts[0].id,
            kind=ActivityKind.CALL,
            direction=Direction.INBOUND,
            at=now,
            smart_number_id=number.id,
            detail={
                "status": "ringing",
                "caller": caller,
                "routing_status": status,
                "reason": reason,
            },
            call_key=call_key,
        )
    )
    if added is None:
        return None
    await finish_call(repo, added.id, outcome)
    return added.id


async def set_number_routing(
    repo: Repository, number_text: str, mode: str, agent_names: list[str]
) -> tuple[SmartNumber, RoutingMode, list[Agent]]:
    """`number routing`: one agent, a receptionist, a ring-all group, or round-robin."""
    number = await numbers.number_called(repo, number_text)
    try:
        routing_mode = RoutingMode(mode)
    except ValueError:
        raise UserError(f"mode must be one of {', '.join(RoutingMode)}") from None
    if number.scope is Scope.PERSONAL:
        raise UserError(f"{number.e164} is personal: it always rings its owner")
    if not agent_names:
        raise UserError("name at least one agent with --agents")
    if routing_mode in (RoutingMode.AGENT, RoutingMode.RECEPTIONIST) and len(agent_names) > 1:
        raise UserError(f"mode {routing_mode.value} takes exactly one agent")
    agents = [await organisation.agent_named(repo, name) for name in agent_names]
    if len({a.id for a in agents}) != len(agents):
        raise UserError("an agent is named twice")
    await repo.set_number_routing(number.id, routing_mode, [a.id for a in agents])
    return number, routing_mode, agents
