"""Inbound calls against a real SQLite store: side effects of a decision, and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smartnumber.asterisk.dial import dial_string
from smartnumber.asterisk.events import dial_outcome
from smartnumber.calls import inbound as calls
from smartnumber.model import CallOutcome
from smartnumber.storage.sqlite import SqliteStore
from tests.unit.conftest import Run, as_json, assert_user_error

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def route(db: Path, did: str, caller: str, now: datetime = NOW) -> calls.RoutedCall:
    """One call, on a freshly opened store: as if the service restarted before each call."""
    store = await SqliteStore.open(db)
    try:
        async with store.transaction() as repo:
            return await calls.route_incoming(repo, did, caller, now)
    finally:
        await store.close()


async def finish(db: Path, call_id: int, outcome: CallOutcome) -> None:
    store = await SqliteStore.open(db)
    try:
        async with store.transaction() as repo:
            await calls.finish_call(repo, call_id, outcome)
    finally:
        await store.close()


@pytest.fixture
def db(provisioned: Run, tmp_path: Path) -> Path:
    return tmp_path / "sn.db"


def test_route_explain_changes_nothing(provisioned: Run) -> None:
    provisioned(
        "number", "routing", "+12125550100", "--mode", "round-robin", "--agents", "Bob,Carol"
    )
    first = as_json(
        provisioned(
            "route", "explain", "--number", "+12125550100", "--caller", "2125550177", "--json"
        )
    )
    again = as_json(
        provisioned(
            "route", "explain", "--number", "+12125550100", "--caller", "2125550177", "--json"
        )
    )
    assert first == again  # the round-robin turn did not advance
    assert first["rule"] == "number-routing"
    assert first["strategy"] == "round-robin"
    assert first["agents"] == ["Bob"]
    assert first["new_lead"] is True and first["contact"] is None
    assert_user_error(provisioned("contact", "show", "2125550177", ok=False), "no contact")
    people = provisioned("route", "explain", "--number", "+12125550100", "--caller", "x").output
    assert "Caller ID missing or not a phone number" in people


def test_route_explain_at_a_past_time(provisioned: Run) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    provisioned(
        "activity",
        "add",
        "--contact",
        "2125550150",
        "--agent",
        "Carol",
        "--kind",
        "call",
        "--direction",
        "outbound",
        "--at",
        "2026-01-01T10:00:00Z",
    )
    explain = ["route", "explain", "--number", "+12125550100", "--caller", "2125550150", "--json"]
    assert as_json(provisioned(*explain, "--at", "2026-02-01T00:00:00Z"))["rule"] == (
        "recent-call-or-text"
    )
    late = as_json(provisioned(*explain, "--at", "2026-06-01T00:00:00Z"))
    assert late["rule"] == "recent-outbound-activity"  # > 90 days: the same call, as outbound
    assert late["agents"] == ["Carol"]


@pytest.mark.parametrize(
    ("age", "rule"),
    [
        (timedelta(days=90), "recent-call-or-text"),  # the 90th day is still in
        (timedelta(days=90, minutes=1), "recent-outbound-activity"),  # a minute past: out
    ],
)
def test_the_conversation_window_is_ninety_days_to_the_minute(
    provisioned: Run, age: timedelta, rule: str
) -> None:
    """Through the store, not only the pure rule: the edge must not move by a day."""
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    provisioned(
        "activity", "add", "--contact", "2125550150", "--agent", "Carol", "--kind", "text",
        "--direction", "outbound", "--at", (NOW - age).isoformat(),
    )  # fmt: skip
    explain = ["route", "explain", "--number", "+12125550100", "--caller", "2125550150"]
    found = as_json(provisioned(*explain, "--at", NOW.isoformat(), "--json"))
    assert found["rule"] == rule and found["agents"] == ["Carol"]


async def test_round_robin_alternates_across_restarts(provisioned: Run, db: Path) -> None:
    provisioned(
        "number", "routing", "+12125550100", "--mode", "round-robin", "--agents", "Bob,Carol"
    )
    rung = [
        (await route(db, "+12125550100", f"21255501{70 + i}")).decision.agents for i in range(3)
    ]
    assert rung == [("Bob",), ("Carol",), ("Bob",)]
    shown = as_json(provisioned("number", "show", "+12125550100", "--json"))
    assert shown["routing"] == {
        "mode": "round-robin",
        "agents": ["Bob", "Carol"],
        "last_agent": "Bob",
    }


async def test_unknown_caller_becomes_a_tracked_call_lead(provisioned: Run, db: Path) -> None:
    provisioned("number", "routing", "+12125550100", "--mode", "agent", "--agents", "Carol")
    routed = await route(db, "+12125550100", "(212) 555-0177")
    assert (
        dial_string(routed.rings) == "PJSIP/+12125550103@trunk"
    )  # Carol has no endpoint: her cell
    (lead,) = as_json(provisioned("contact", "show", "2125550177", "--json"))
    assert lead["source"] == "phone-call:+12125550100"
    assert lead["owner"] == "Carol"
    (entry,) = as_json(provisioned("timeline", "2125550177", "--json"))
    assert entry["kind"] == "call" and entry["direction"] == "inbound"
    assert entry["smart_number"] == "+12125550100"
    assert entry["detail"]["status"] == "ringing"
    assert entry["detail"]["decision"]["rule"] == "number-routing"


async def test_hostile_caller_id_is_an_unknown_caller_without_a_lead(
    provisioned: Run, db: Path
) -> None:
    for hostile in (
        "5551234&PJSIP/evil",
        "2125550150;Dial(PJSIP/x)",
        "$(reboot)",
        "x" * 1024,
        "2125550150\nHANGUP",
    ):
        routed = await route(db, "+12125550100", hostile)
        assert routed.decision.new_lead is False
        assert (
            dial_string(routed.rings) == "PJSIP/alice"
        )  # the office's fallback agent, built from the db
        assert routed.call_id is None
    assert as_json(provisioned("contact", "list", "--json")) == []


async def test_inactive_agent_lead_goes_to_the_admin_owned_by_their_team(
    provisioned: Run, db: Path
) -> None:
    provisioned(
        "agent", "add", "Dan", "--cell", "2125550109", "--team", "Sales", "--endpoint", "PJSIP/dan"
    )
    provisioned("contact", "add", "Ann", "--phone", "2125550150", "--owner", "Dan")
    provisioned(
        "activity",
        "add",
        "--contact",
        "2125550150",
        "--agent",
        "Dan",
        "--kind",
        "text",
        "--direction",
        "outbound",
        "--at",
        "2026-11-19T10:00:00Z",
    )
    provisioned("agent", "deactivate", "Dan")
    routed = await route(db, "+12125550100", "2125550150")
    assert routed.decision.redirect == "inactive-agent-admin"
    assert routed.decision.agents == ("Alice",)
    assert dial_string(routed.rings) == "PJSIP/alice"
    store = await SqliteStore.open(db)
    async with store.transaction() as repo:
        (ann,) = await repo.contacts_by_phone("+12125550150")
        sales = await repo.team_by_name("Sales")
        alice = await repo.agent_by_name("Alice")
    await store.close()
    assert ann.owner_agent_id is None and ann.owner_team_id == sales.id
    assert ann.assigned_agent_id == alice.id


async def test_answered_call_is_completed_and_counts_for_the_next_call(
    provisioned: Run, db: Path
) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    provisioned("number", "routing", "+12125550100", "--mode", "group", "--agents", "Alice,Bob")
    routed = await route(db, "+12125550100", "2125550150")
    assert dial_string(routed.rings) == "PJSIP/alice&PJSIP/bob"
    assert routed.call_id is not None
    await finish(db, routed.call_id, dial_outcome("ANSWER", "PJSIP/bob-0000002a", "bob", 42))
    (entry,) = as_json(provisioned("timeline", "2125550150", "--json"))
    assert entry["agent"] == "Bob"
    assert entry["detail"]["status"] == "answered"
    assert entry["detail"]["answered_by"] == "Bob"
    assert entry["detail"]["talk_seconds"] == 42
    (ann,) = as_json(provisioned("contact", "show", "2125550150", "--json"))
    assert ann["owner"] == "Bob"  # the lead that rang the group is Bob's now
    again = await route(db, "+12125550100", "2125550150", NOW + timedelta(minutes=5))
    assert again.decision.rule.value == "recent-call-or-text"
    assert again.decision.agents == ("Bob",)


async def test_missed_call_and_answer_on_a_cell(provisioned: Run, db: Path) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150", "--owner", "Carol")
    provisioned("number", "routing", "+12125550100", "--mode", "agent", "--agents", "Carol")
    missed = await route(db, "+12125550100", "2125550150")
    assert missed.call_id is not None
    await finish(db, missed.call_id, dial_outcome("NOANSWER", "", "", None))
    answered = await route(db, "+12125550100", "2125550150", NOW + timedelta(minutes=1))
    assert answered.call_id is not None
    await finish(
        db,
        answered.call_id,
        dial_outcome("ANSWER", "PJSIP/trunk-00000003", "+12125550103@trunk", 7),
    )
    newest, oldest = as_json(provisioned("timeline", "2125550150", "--json"))
    assert oldest["detail"]["status"] == "missed" and oldest["agent"] is None
    assert oldest["detail"]["talk_seconds"] == 0
    assert newest["detail"]["answered_by"] == "Carol" and newest["agent"] == "Carol"


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["+12125550120", "--mode", "agent", "--agents", "Alice"], ["personal"]),
        (["+12125550100", "--mode", "agent", "--agents", "Alice,Bob"], ["exactly one agent"]),
        (["+12125550100", "--mode", "group", "--agents", "Alice,Nobody"], ["no agent named"]),
        (["+12125550100", "--mode", "group", "--agents", "Alice,Alice"], ["named twice"]),
        (["+12125550100", "--mode", "group", "--agents", " , "], ["at least one agent"]),
        (["+12125550199", "--mode", "group", "--agents", "Alice"], ["not a Smart Number"]),
    ],
)
def test_number_routing_errors(provisioned: Run, args: list[str], fragments: list[str]) -> None:
    assert_user_error(provisioned("number", "routing", *args, ok=False), *fragments)


def test_number_routing_notes_inactive_agents(provisioned: Run) -> None:
    provisioned("agent", "deactivate", "Carol")
    out = provisioned(
        "number", "routing", "+12125550100", "--mode", "group", "--agents", "Bob,Carol"
    ).output
    assert "+12125550100: group -> Bob, Carol" in out
    assert "inactive" in out and "Carol" in out.splitlines()[1]


async def test_timeline_table_summarises_calls(provisioned: Run, db: Path) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    provisioned("number", "routing", "+12125550100", "--mode", "agent", "--agents", "Bob")
    routed = await route(db, "+12125550100", "2125550150")
    assert routed.call_id is not None
    await finish(db, routed.call_id, dial_outcome("ANSWER", "PJSIP/bob-00000001", "bob", 9))
    table = provisioned("timeline", "2125550150").output
    assert "answered by Bob, 9 s. Ann has no call, text or outbound activity" in table


async def test_a_new_lead_for_an_inactive_agent_is_the_admins_on_the_agents_team(
    provisioned: Run, db: Path
) -> None:
    provisioned(
        "agent", "add", "Dan", "--cell", "2125550109", "--team", "Sales", "--endpoint", "PJSIP/dan"
    )
    provisioned("number", "routing", "+12125550100", "--mode", "agent", "--agents", "Dan")
    provisioned("agent", "deactivate", "Dan")
    routed = await route(db, "+12125550100", "2125550177")
    assert routed.decision.agents == ("Alice",) and routed.decision.new_lead
    store = await SqliteStore.open(db)
    async with store.transaction() as repo:
        (lead,) = await repo.contacts_by_phone("+12125550177")
        sales = await repo.team_by_name("Sales")
        alice = await repo.agent_by_name("Alice")
    await store.close()
    assert lead.owner_agent_id is None and lead.owner_team_id == sales.id
    assert lead.assigned_agent_id == alice.id
