"""SPEC section 3, rule by rule: pure decisions over facts, the clock passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from smartnumber.model import NumberRouting, RoutingMode, Scope
from smartnumber.routing.inbound import (
    REDIRECT_INACTIVE,
    AgentInfo,
    CallFacts,
    ContactInfo,
    NumberInfo,
    RecentActivity,
    Rule,
    Strategy,
    decide,
    next_in_turn,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

ALICE = AgentInfo(1, "Alice", active=True, admin=True, office_id=1)  # admin, office 1
BOB = AgentInfo(2, "Bob", active=True, admin=False, office_id=1)
CAROL = AgentInfo(3, "Carol", active=True, admin=False, office_id=1)
DAN = AgentInfo(4, "Dan", active=True, admin=False, office_id=2)
ERIN = AgentInfo(5, "Erin", active=True, admin=True, office_id=2)  # admin, office 2
ANN = ContactInfo(10, "Ann")
BEN = ContactInfo(11, "Ben")

OFFICE = NumberInfo("+12125550100", Scope.OFFICE, None, None, default_agent_id=1)
PERSONAL = NumberInfo(
    "+12125550120", Scope.PERSONAL, owner_agent_id=2, routing=None, default_agent_id=2
)


def agents(*inactive: AgentInfo) -> dict[int, AgentInfo]:
    everyone = [ALICE, BOB, CAROL, DAN, ERIN]
    off = {a.id for a in inactive}
    return {a.id: replace(a, active=a.id not in off) for a in everyone}


def facts(
    number: NumberInfo = OFFICE,
    contacts: tuple[ContactInfo, ...] = (ANN,),
    conversation: RecentActivity | None = None,
    outbound: RecentActivity | None = None,
    caller: str | None = "+12125550150",
    inactive: tuple[AgentInfo, ...] = (),
) -> CallFacts:
    return CallFacts(number, caller, contacts, conversation, outbound, agents(*inactive))


def text(agent: AgentInfo, ago: timedelta, contact: ContactInfo = ANN) -> RecentActivity:
    return RecentActivity(contact.id, agent.id, "text", NOW - ago)


def email(agent: AgentInfo, ago: timedelta, contact: ContactInfo = ANN) -> RecentActivity:
    return RecentActivity(contact.id, agent.id, "email", NOW - ago)


def routing(mode: RoutingMode, *who: AgentInfo, last: AgentInfo | None = None) -> NumberInfo:
    return replace(
        OFFICE, routing=NumberRouting(mode, tuple(a.id for a in who), last.id if last else None)
    )


CASES = [
    # (name, facts, rule, strategy, agents rung, redirect, new lead)
    (
        "personal number rings its owner",
        facts(PERSONAL, conversation=text(CAROL, DAY)),
        Rule.PERSONAL_NUMBER,
        Strategy.SINGLE,
        ["Bob"],
        None,
        False,
    ),
    (
        "personal number, unknown caller is a new lead",
        facts(PERSONAL, contacts=()),
        Rule.PERSONAL_NUMBER,
        Strategy.SINGLE,
        ["Bob"],
        None,
        True,
    ),
    (
        "personal number, inactive owner -> office admin",
        facts(PERSONAL, inactive=(BOB,)),
        Rule.PERSONAL_NUMBER,
        Strategy.SINGLE,
        ["Alice"],
        REDIRECT_INACTIVE,
        False,
    ),
    (
        "latest text wins",
        facts(conversation=text(CAROL, DAY), outbound=email(DAN, DAY / 2)),
        Rule.RECENT_CALL_OR_TEXT,
        Strategy.SINGLE,
        ["Carol"],
        None,
        False,
    ),
    (
        "a call exactly 90 days ago still counts",
        facts(conversation=text(CAROL, 90 * DAY), outbound=email(DAN, DAY)),
        Rule.RECENT_CALL_OR_TEXT,
        Strategy.SINGLE,
        ["Carol"],
        None,
        False,
    ),
    (
        "a call 90 days and a second ago does not",
        facts(conversation=text(CAROL, 90 * DAY + timedelta(seconds=1)), outbound=email(DAN, DAY)),
        Rule.RECENT_OUTBOUND_ACTIVITY,
        Strategy.SINGLE,
        ["Dan"],
        None,
        False,
    ),
    (
        "no call or text: latest outbound activity",
        facts(outbound=email(DAN, 200 * DAY)),
        Rule.RECENT_OUTBOUND_ACTIVITY,
        Strategy.SINGLE,
        ["Dan"],
        None,
        False,
    ),
    (
        "known contact, no activity: new lead by number routing",
        facts(),
        Rule.NUMBER_ROUTING,
        Strategy.SINGLE,
        ["Alice"],
        None,
        True,
    ),
    (
        "unknown caller: new lead by number routing",
        facts(contacts=()),
        Rule.NUMBER_ROUTING,
        Strategy.SINGLE,
        ["Alice"],
        None,
        True,
    ),
    (
        "no caller ID: routed, but no lead to keep",
        facts(contacts=(), caller=None),
        Rule.NUMBER_ROUTING,
        Strategy.SINGLE,
        ["Alice"],
        None,
        False,
    ),
    (
        "recent agent inactive -> admin of their office",
        facts(conversation=text(DAN, DAY), inactive=(DAN,)),
        Rule.RECENT_CALL_OR_TEXT,
        Strategy.SINGLE,
        ["Erin"],
        REDIRECT_INACTIVE,
        False,
    ),
    (
        "no admin in their office -> any admin",
        facts(conversation=text(DAN, DAY), inactive=(DAN, ERIN)),
        Rule.RECENT_CALL_OR_TEXT,
        Strategy.SINGLE,
        ["Alice"],
        REDIRECT_INACTIVE,
        False,
    ),
    (
        "no active admin at all -> nobody (the dialplan's fallback)",
        facts(conversation=text(DAN, DAY), inactive=(DAN, ERIN, ALICE)),
        Rule.RECENT_CALL_OR_TEXT,
        Strategy.SINGLE,
        [],
        REDIRECT_INACTIVE,
        False,
    ),
    (
        "routing: one agent",
        facts(routing(RoutingMode.AGENT, CAROL), contacts=()),
        Rule.NUMBER_ROUTING,
        Strategy.SINGLE,
        ["Carol"],
        None,
        True,
    ),
    (
        "routing: receptionist",
        facts(routing(RoutingMode.RECEPTIONIST, DAN), contacts=()),
        Rule.NUMBER_ROUTING,
        Strategy.RECEPTIONIST,
        ["Dan"],
        None,
        True,
    ),
    (
        "routing: inactive receptionist -> admin",
        facts(routing(RoutingMode.RECEPTIONIST, DAN), contacts=(), inactive=(DAN,)),
        Rule.NUMBER_ROUTING,
        Strategy.RECEPTIONIST,
        ["Erin"],
        REDIRECT_INACTIVE,
        True,
    ),
    (
        "routing: group rings every active agent",
        facts(routing(RoutingMode.GROUP, BOB, CAROL, DAN), contacts=(), inactive=(CAROL,)),
        Rule.NUMBER_ROUTING,
        Strategy.GROUP,
        ["Bob", "Dan"],
        None,
        True,
    ),
    (
        "routing: group with nobody active -> admin",
        facts(routing(RoutingMode.GROUP, BOB, CAROL), contacts=(), inactive=(BOB, CAROL)),
        Rule.NUMBER_ROUTING,
        Strategy.GROUP,
        ["Alice"],
        REDIRECT_INACTIVE,
        True,
    ),
    (
        "routing: round-robin, next after the last one",
        facts(routing(RoutingMode.ROUND_ROBIN, BOB, CAROL, DAN, last=BOB), contacts=()),
        Rule.NUMBER_ROUTING,
        Strategy.ROUND_ROBIN,
        ["Carol"],
        None,
        True,
    ),
    (
        "routing: round-robin skips inactive agents",
        facts(
            routing(RoutingMode.ROUND_ROBIN, BOB, CAROL, DAN, last=BOB),
            contacts=(),
            inactive=(CAROL,),
        ),
        Rule.NUMBER_ROUTING,
        Strategy.ROUND_ROBIN,
        ["Dan"],
        None,
        True,
    ),
    (
        "routing: round-robin, the first call starts at the top",
        facts(routing(RoutingMode.ROUND_ROBIN, BOB, CAROL), contacts=()),
        Rule.NUMBER_ROUTING,
        Strategy.ROUND_ROBIN,
        ["Bob"],
        None,
        True,
    ),
    (
        "routing: round-robin with nobody active -> admin",
        facts(
            routing(RoutingMode.ROUND_ROBIN, BOB, CAROL, last=BOB),
            contacts=(),
            inactive=(BOB, CAROL),
        ),
        Rule.NUMBER_ROUTING,
        Strategy.ROUND_ROBIN,
        ["Alice"],
        REDIRECT_INACTIVE,
        True,
    ),
    (
        "no routing and no fallback agent -> nobody",
        facts(replace(OFFICE, default_agent_id=None), contacts=()),
        Rule.NUMBER_ROUTING,
        Strategy.SINGLE,
        [],
        None,
        True,
    ),
]


# What `route explain` says for each case, word for word: admins read these sentences, so
# a change to them is made here on purpose, not by accident.
REASONS = {
    "personal number rings its owner": ("+12125550120 is Bob's personal Smart Number."),
    "personal number, unknown caller is a new lead": (
        "+12125550120 is Bob's personal Smart Number."
    ),
    "personal number, inactive owner -> office admin": (
        "+12125550120 is Bob's personal Smart Number. Bob is inactive, so the call goes to "
        "company admin Alice."
    ),
    "latest text wins": (
        "Carol had the most recent call or text with Ann (text, 2026-11-19), within 90 days."
    ),
    "a call exactly 90 days ago still counts": (
        "Carol had the most recent call or text with Ann (text, 2026-08-22), within 90 days."
    ),
    "a call 90 days and a second ago does not": (
        "No call or text with Ann in 90 days; Dan had the most recent outbound activity "
        "(email, 2026-11-19)."
    ),
    "no call or text: latest outbound activity": (
        "No call or text with Ann in 90 days; Dan had the most recent outbound activity "
        "(email, 2026-05-04)."
    ),
    "known contact, no activity: new lead by number routing": (
        "Ann has no call, text or outbound activity with an agent: new tracked-call lead; "
        "+12125550100 has no routing set, so it rings its fallback agent Alice."
    ),
    "unknown caller: new lead by number routing": (
        "Unknown caller +12125550150: new tracked-call lead; +12125550100 has no routing "
        "set, so it rings its fallback agent Alice."
    ),
    "no caller ID: routed, but no lead to keep": (
        "Caller ID missing or not a phone number; +12125550100 has no routing set, so it "
        "rings its fallback agent Alice."
    ),
    "recent agent inactive -> admin of their office": (
        "Dan had the most recent call or text with Ann (text, 2026-11-19), within 90 days. "
        "Dan is inactive, so the call goes to company admin Erin."
    ),
    "no admin in their office -> any admin": (
        "Dan had the most recent call or text with Ann (text, 2026-11-19), within 90 days. "
        "Dan is inactive, so the call goes to company admin Alice."
    ),
    "no active admin at all -> nobody (the dialplan's fallback)": (
        "Dan had the most recent call or text with Ann (text, 2026-11-19), within 90 days. "
        "Dan is inactive and there is no active admin."
    ),
    "routing: one agent": (
        "Unknown caller +12125550150: new tracked-call lead; +12125550100 routes to its "
        "agent Carol."
    ),
    "routing: receptionist": (
        "Unknown caller +12125550150: new tracked-call lead; +12125550100 routes to its "
        "receptionist Dan."
    ),
    "routing: inactive receptionist -> admin": (
        "Unknown caller +12125550150: new tracked-call lead; +12125550100 routes to its "
        "receptionist Dan. Dan is inactive, so the call goes to company admin Erin."
    ),
    "routing: group rings every active agent": (
        "Unknown caller +12125550150: new tracked-call lead; +12125550100 rings its group at "
        "once: Bob, Dan."
    ),
    "routing: group with nobody active -> admin": (
        "Unknown caller +12125550150: new tracked-call lead; nobody in +12125550100's group "
        "is active. Bob is inactive, so the call goes to company admin Alice."
    ),
    "routing: round-robin, next after the last one": (
        "Unknown caller +12125550150: new tracked-call lead; +12125550100 round-robin: "
        "Carol's turn (next after Bob)."
    ),
    "routing: round-robin skips inactive agents": (
        "Unknown caller +12125550150: new tracked-call lead; +12125550100 round-robin: Dan's "
        "turn (next after Bob)."
    ),
    "routing: round-robin, the first call starts at the top": (
        "Unknown caller +12125550150: new tracked-call lead; +12125550100 round-robin: Bob's turn."
    ),
    "routing: round-robin with nobody active -> admin": (
        "Unknown caller +12125550150: new tracked-call lead; nobody in +12125550100's "
        "round-robin is active. Bob is inactive, so the call goes to company admin Alice."
    ),
    "no routing and no fallback agent -> nobody": (
        "Unknown caller +12125550150: new tracked-call lead; +12125550100 has no routing and "
        "no fallback agent."
    ),
}


@pytest.mark.parametrize(("name", "facts_"), [c[:2] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_explains_itself_in_its_own_words(name: str, facts_: CallFacts) -> None:
    assert decide(facts_, NOW).reason == REASONS[name]


@pytest.mark.parametrize(
    ("facts_", "rule", "strategy", "rung", "redirect", "new_lead"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_rules(
    facts_: CallFacts,
    rule: Rule,
    strategy: Strategy,
    rung: list[str],
    redirect: str | None,
    new_lead: bool,
) -> None:
    decision = decide(facts_, NOW)
    assert decision.rule is rule
    assert decision.strategy is strategy
    assert list(decision.agents) == rung
    assert decision.redirect == redirect
    assert decision.new_lead is new_lead
    assert decision.reason.endswith(".")
    assert "\n" not in decision.reason


def test_redirect_names_the_inactive_agent_for_lead_ownership() -> None:
    decision = decide(facts(conversation=text(DAN, DAY), inactive=(DAN,)), NOW)
    assert decision.redirected_from_id == DAN.id
    assert "Dan is inactive, so the call goes to company admin Erin" in decision.reason


def test_shared_number_decides_on_the_latest_activity_and_flags_it() -> None:
    decision = decide(
        facts(
            contacts=(ANN, BEN),
            conversation=text(CAROL, DAY, contact=BEN),
            outbound=email(DAN, DAY / 2, contact=ANN),
        ),
        NOW,
    )
    assert decision.contact == "Ben"
    assert decision.agents == ("Carol",)
    assert decision.ambiguous_contacts == ("Ann", "Ben")
    assert "shared by Ann, Ben" in decision.reason


def test_shared_number_without_activity_picks_the_oldest_contact() -> None:
    decision = decide(facts(contacts=(ANN, BEN)), NOW)
    assert decision.contact == "Ann"
    assert decision.ambiguous_contacts == ("Ann", "Ben")


def test_round_robin_is_fair_over_many_calls() -> None:
    """Persisting the cursor between calls deals calls out in turn, skipping the inactive."""
    everyone = agents(CAROL)
    number = routing(RoutingMode.ROUND_ROBIN, BOB, CAROL, DAN, ALICE)
    got = []
    for _ in range(9):
        decision = decide(CallFacts(number, None, (), None, None, everyone), NOW)
        got.append(decision.agents[0])
        assert number.routing is not None
        number = replace(
            number, routing=replace(number.routing, last_agent_id=decision.round_robin_agent_id)
        )
    assert got == ["Bob", "Dan", "Alice"] * 3


def test_round_robin_cursor_on_an_agent_no_longer_listed_starts_over() -> None:
    rr = NumberRouting(RoutingMode.ROUND_ROBIN, (BOB.id, CAROL.id), last_agent_id=DAN.id)
    chosen = next_in_turn(rr, agents())
    assert chosen is not None and chosen.name == "Bob"


def test_as_dict_has_the_documented_fields() -> None:
    data = decide(facts(contacts=(ANN, BEN)), NOW).as_dict()
    assert set(data) == {
        "rule",
        "strategy",
        "agents",
        "redirect",
        "contact",
        "new_lead",
        "ambiguous_contacts",
        "reason",
    }
    assert data["ambiguous_contacts"] == ["Ann", "Ben"]
