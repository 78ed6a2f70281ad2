"""Whom an inbound call to a Smart Number rings, and why (SPEC section 3).

Pure: `decide(facts, now)` looks only at the facts it is given; the clock is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from ..model import NumberRouting, RoutingMode, Scope

CONVERSATION_WINDOW = timedelta(days=90)


class Rule(StrEnum):
    PERSONAL_NUMBER = "personal-number"
    RECENT_CALL_OR_TEXT = "recent-call-or-text"
    RECENT_OUTBOUND_ACTIVITY = "recent-outbound-activity"
    NUMBER_ROUTING = "number-routing"


class Strategy(StrEnum):
    SINGLE = "single"
    GROUP = "group"
    ROUND_ROBIN = "round-robin"
    RECEPTIONIST = "receptionist"


REDIRECT_INACTIVE = "inactive-agent-admin"


@dataclass(frozen=True)
class AgentInfo:
    id: int
    name: str
    active: bool
    admin: bool
    office_id: int | None


@dataclass(frozen=True)
class ContactInfo:
    id: int
    name: str


@dataclass(frozen=True)
class RecentActivity:
    contact_id: int
    agent_id: int
    kind: str
    at: datetime


@dataclass(frozen=True)
class NumberInfo:
    e164: str
    scope: Scope
    owner_agent_id: int | None  # personal numbers
    routing: NumberRouting | None
    default_agent_id: int | None  # when no routing is set: the number's fallback agent


@dataclass(frozen=True)
class CallFacts:
    number: NumberInfo
    caller: str | None  # E.164; None when the caller ID is missing or not a phone number
    contacts: tuple[ContactInfo, ...]  # every contact with the caller's number, by id
    latest_conversation: RecentActivity | None  # newest call/text with an agent
    latest_outbound: RecentActivity | None  # newest outbound activity with an agent
    agents: Mapping[int, AgentInfo]


@dataclass(frozen=True)
class RouteDecision:
    rule: Rule
    strategy: Strategy
    agent_ids: tuple[int, ...]  # whom to ring; empty: nobody can take it (use the fallback)
    agents: tuple[str, ...]
    redirect: str | None
    contact_id: int | None
    contact: str | None
    new_lead: bool
    ambiguous_contacts: tuple[str, ...]
    reason: str
    round_robin_agent_id: int | None = None  # the cursor to persist after this call
    redirected_from_id: int | None = None  # the inactive agent whose entity keeps the lead

    def as_dict(self) -> dict[str, Any]:
        """The decision as `route explain --json` shows it and the timeline stores it."""
        return {
            "rule": self.rule.value,
            "strategy": self.strategy.value,
            "agents": list(self.agents),
            "redirect": self.redirect,
            "contact": self.contact,
            "new_lead": self.new_lead,
            "ambiguous_contacts": list(self.ambiguous_contacts),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _About:
    """Who a decision is about: the same whichever rule decides."""

    contact: ContactInfo | None
    new_lead: bool
    ambiguous: tuple[str, ...]


def _decision(
    rule: Rule,
    strategy: Strategy,
    about: _About,
    reason: str,
    ring: Iterable[AgentInfo] = (),
    *,
    redirect: str | None = None,
    round_robin_agent_id: int | None = None,
    redirected_from_id: int | None = None,
) -> RouteDecision:
    """The one place a RouteDecision is made."""
    ringing = tuple(ring)
    return RouteDecision(
        rule=rule,
        strategy=strategy,
        agent_ids=tuple(a.id for a in ringing),
        agents=tuple(a.name for a in ringing),
        redirect=redirect,
        contact_id=about.contact.id if about.contact else None,
        contact=about.contact.name if about.contact else None,
        new_lead=about.new_lead,
        ambiguous_contacts=about.ambiguous,
        reason=reason,
        round_robin_agent_id=round_robin_agent_id,
        redirected_from_id=redirected_from_id,
    )


def decide(facts: CallFacts, now: datetime) -> RouteDecision:
    """Apply SPEC 3.1-3.5 in order; the first rule that names an agent wins."""
    number = facts.number
    ambiguous = tuple(c.name for c in facts.contacts) if len(facts.contacts) > 1 else ()
    recent = facts.latest_conversation
    if recent is not None and recent.at < now - CONVERSATION_WINDOW:
        recent = None
    deciding = recent or facts.latest_outbound
    contact = _contact(facts, deciding.contact_id if deciding else None)
    note = _ambiguity_note(ambiguous, contact)
    known = _About(contact, False, ambiguous)

    if number.scope is Scope.PERSONAL and number.owner_agent_id is not None:
        owner = facts.agents[number.owner_agent_id]
        unknown = not facts.contacts and facts.caller is not None
        return _ring_one(
            facts,
            owner,
            Rule.PERSONAL_NUMBER,
            Strategy.SINGLE,
            _About(contact, unknown, ambiguous),
            f"{number.e164} is {owner.name}'s personal Smart Number.{note}",
        )
    if contact is not None and recent is not None:
        agent = facts.agents[recent.agent_id]
        return _ring_one(
            facts,
            agent,
            Rule.RECENT_CALL_OR_TEXT,
            Strategy.SINGLE,
            known,
            f"{agent.name} had the most recent call or text with {contact.name}"
            f" ({recent.kind}, {recent.at.date().isoformat()}), within"
            f" {CONVERSATION_WINDOW.days} days.{note}",
        )
    if contact is not None and facts.latest_outbound is not None:
        outbound = facts.latest_outbound
        agent = facts.agents[outbound.agent_id]
        return _ring_one(
            facts,
            agent,
            Rule.RECENT_OUTBOUND_ACTIVITY,
            Strategy.SINGLE,
            known,
            f"No call or text with {contact.name} in {CONVERSATION_WINDOW.days} days;"
            f" {agent.name} had the most recent outbound activity"
            f" ({outbound.kind}, {outbound.at.date().isoformat()}).{note}",
        )
    if contact is not None:
        why = f"{contact.name} has no call, text or outbound activity with an agent"
    elif facts.caller is not None:
        why = f"Unknown caller {facts.caller}"
    else:
        why = "Caller ID missing or not a phone number"
    return _by_number_settings(
        facts,
        _About(contact, facts.caller is not None, ambiguous),
        why=f"{why}: new tracked-call lead" if facts.caller else why,
    )


def _contact(facts: CallFacts, contact_id: int | None) -> ContactInfo | None:
    """The contact a decision is about: the one the deciding activity names, else the oldest."""
    for contact in facts.contacts:
        if contact.id == contact_id:
            return contact
    return facts.contacts[0] if facts.contacts else None


def _ambiguity_note(ambiguous: tuple[str, ...], contact: ContactInfo | None) -> str:
    if not ambiguous or contact is None:
        return ""
    return (
        f" The caller's number is shared by {', '.join(ambiguous)};"
        f" decided on {contact.name}, whose activity is the most recent."
    )


def _ring_one(
    facts: CallFacts,
    agent: AgentInfo,
    rule: Rule,
    strategy: Strategy,
    about: _About,
    reason: str,
    round_robin: bool = False,
) -> RouteDecision:
    """Ring one agent, or a company admin in their place when they are inactive."""
    if agent.active:
        return _decision(
            rule,
            strategy,
            about,
            reason,
            [agent],
            round_robin_agent_id=agent.id if round_robin else None,
        )
    admin = office_admin(facts.agents.values(), agent.office_id)
    if admin is None:
        return _decision(
            rule,
            strategy,
            about,
            f"{reason} {agent.name} is inactive and there is no active admin.",
            redirect=REDIRECT_INACTIVE,
            redirected_from_id=agent.id,
        )
    return _decision(
        rule,
        strategy,
        about,
        f"{reason} {agent.name} is inactive, so the call goes to company admin {admin.name}.",
        [admin],
        redirect=REDIRECT_INACTIVE,
        redirected_from_id=agent.id,
    )


class Person(Protocol):
    """What choosing an admin needs of an agent (AgentInfo here, model.Agent elsewhere)."""

    @property
    def id(self) -> int: ...
    @property
    def active(self) -> bool: ...
    @property
    def admin(self) -> bool: ...
    @property
    def office_id(self) -> int | None: ...


P = TypeVar("P", bound=Person)


def office_admin(people: Iterable[P], office_id: int | None) -> P | None:
    """An active company admin: one of this office first, else any; the oldest first."""
    admins = sorted((p for p in people if p.admin and p.active), key=lambda p: p.id)
    candidates = [a for a in admins if a.office_id == office_id] or admins
    return candidates[0] if candidates else None


def _by_number_settings(facts: CallFacts, about: _About, why: str) -> RouteDecision:
    number = facts.number
    routing = number.routing
    rule = Rule.NUMBER_ROUTING
    if routing is None or not routing.agent_ids:
        if number.default_agent_id is None:
            return _decision(
                rule,
                Strategy.SINGLE,
                about,
                f"{why}; {number.e164} has no routing and no fallback agent.",
            )
        agent = facts.agents[number.default_agent_id]
        return _ring_one(
            facts,
            agent,
            rule,
            Strategy.SINGLE,
            about,
            f"{why}; {number.e164} has no routing set, so it rings its fallback agent"
            f" {agent.name}.",
        )
    listed = [facts.agents[i] for i in routing.agent_ids]
    if routing.mode in (RoutingMode.AGENT, RoutingMode.RECEPTIONIST):
        strategy = Strategy.SINGLE if routing.mode is RoutingMode.AGENT else Strategy.RECEPTIONIST
        role = "agent" if routing.mode is RoutingMode.AGENT else "receptionist"
        return _ring_one(
            facts,
            listed[0],
            rule,
            strategy,
            about,
            f"{why}; {number.e164} routes to its {role} {listed[0].name}.",
        )
    active = [a for a in listed if a.active]
    if routing.mode is RoutingMode.GROUP:
        if active:
            names = ", ".join(a.name for a in active)
            return _decision(
                rule,
                Strategy.GROUP,
                about,
                f"{why}; {number.e164} rings its group at once: {names}.",
                active,
            )
        return _ring_one(
            facts,
            listed[0],
            rule,
            Strategy.GROUP,
            about,
            f"{why}; nobody in {number.e164}'s group is active.",
        )
    chosen = next_in_turn(routing, facts.agents)
    if chosen is None:
        return _ring_one(
            facts,
            listed[0],
            rule,
            Strategy.ROUND_ROBIN,
            about,
            f"{why}; nobody in {number.e164}'s round-robin is active.",
        )
    after = facts.agents.get(routing.last_agent_id) if routing.last_agent_id else None
    turn = f" (next after {after.name})" if after else ""
    return _ring_one(
        facts,
        chosen,
        rule,
        Strategy.ROUND_ROBIN,
        about,
        f"{why}; {number.e164} round-robin: {chosen.name}'s turn{turn}.",
        round_robin=True,
    )


def next_in_turn(routing: NumberRouting, agents: Mapping[int, AgentInfo]) -> AgentInfo | None:
    """The first active agent after the one who got the previous call, wrapping around."""
    order = list(routing.agent_ids)
    start = order.index(routing.last_agent_id) + 1 if routing.last_agent_id in order else 0
    for agent_id in order[start:] + order[:start]:
        if agents[agent_id].active:
            return agents[agent_id]
    return None
