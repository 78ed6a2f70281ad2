"""RoutingReads.call_records, every store: the one read of a routing decision holds what
the repository's piecewise reads return, for a team's number with round-robin, a caller
on two contacts, and the agents only the caller's history names."""

from __future__ import annotations

from datetime import timedelta

from smartnumber.model import ActivityKind, ContactPhone, Direction, RoutingMode, Scope
from smartnumber.storage import Repository, Store
from smartnumber.storage.repository import NewActivity, NewAgent, NewContact, NewSmartNumber

from .test_repository import ANN, T0, people

NUMBER = "+12125550100"


async def world(repo: Repository) -> dict[str, int]:
    office, alice, bob = await people(repo)
    other = await repo.add_office("Uptown")
    team = await repo.add_team("Closers", other.id)
    carol = await repo.add_agent(NewAgent("Carol", "+12125550103", "carol", other.id, team.id))
    dave = await repo.add_agent(NewAgent("Dave", "+12125550104", "dave", other.id, None))
    erin = await repo.add_agent(NewAgent("Erin", "+12125550105", "erin", office, None))
    admin = await repo.add_agent(
        NewAgent("Gus", "+12125550106", "gus", other.id, None, True, "g@example.com")
    )
    await repo.set_agent_active(admin.id, False)  # an inactive admin is not among them
    number = await repo.add_number(NewSmartNumber(NUMBER, Scope.TEAM, team.id))
    await repo.set_number_routing(number.id, RoutingMode.ROUND_ROBIN, [carol.id, bob.id])
    await repo.advance_round_robin(number.id, None, carol.id)
    first = await repo.add_contact(NewContact("Ann", (ContactPhone(ANN),), T0))
    second = await repo.add_contact(
        NewContact("Ann at work", (ContactPhone("+13105550111"), ContactPhone(ANN)), T0)
    )
    for hours, contact, kind, direction, agent in (
        (1, first.id, ActivityKind.CALL, Direction.INBOUND, dave.id),
        (2, second.id, ActivityKind.EMAIL, Direction.OUTBOUND, erin.id),
        (3, second.id, ActivityKind.NOTE, Direction.INTERNAL, alice.id),
    ):
        at = T0 + timedelta(hours=hours)
        await repo.add_activity(NewActivity(contact, kind, direction, at, agent))
    return {"team": team.id, "other": other.id, "dave": dave.id, "erin": erin.id}


async def test_the_call_records_are_what_the_piecewise_reads_return(store: Store) -> None:
    async with store.transaction() as repo:
        ids = await world(repo)
    async with store.snapshot() as repo:
        got = await repo.call_records(NUMBER, ANN, T0)
        number = await repo.number_by_e164(NUMBER)
        assert number is not None and got.number == number
        contacts = await repo.contacts_by_phone(ANN)
        assert got.contacts == contacts and len(contacts) == 2
        contact_ids = [c.id for c in contacts]
        assert got.latest_conversation == await repo.latest_conversation(contact_ids, T0)
        assert got.latest_outbound == await repo.latest_outbound(contact_ids)
        assert got.routing == await repo.number_routing(number.id)
        assert got.team_office_id == ids["other"]
        admins = await repo.active_admins()
        assert got.admins == admins and [a.name for a in admins] == ["Alice"]
        routing = got.routing
        assert routing is not None
        named = {*routing.agent_ids, routing.last_agent_id, ids["dave"], ids["erin"]}
        wanted = await repo.agents_by_ids([i for i in named if i is not None])
        assert got.agents == {a.id: a for a in (*wanted, *admins)}
        assert got.identity == await repo.caller_identity(number.id)
        assert got.allow_us_territories == (await repo.settings()).get(
            "forwarding.allow_us_territories"
        )


async def test_the_numbers_cnam_and_the_territories_setting_come_with_the_records(
    store: Store,
) -> None:
    async with store.transaction() as repo:
        await world(repo)
        number = await repo.number_by_e164(NUMBER)
        assert number is not None
        await repo.set_cnam(number.id, "ACME REALTY", "approved")
        await repo.set_setting("forwarding.allow_us_territories", "yes")
    async with store.snapshot() as repo:
        got = await repo.call_records(NUMBER, ANN, T0)
        assert got.identity.caller_name == "ACME REALTY"
        assert got.allow_us_territories == "yes"
        other = await repo.call_records("+12125550188", ANN, T0)
        assert other.identity.caller_name is None  # a number not here has none


async def test_the_window_bounds_the_conversation_and_nobody_calling_finds_no_one(
    store: Store,
) -> None:
    async with store.transaction() as repo:
        await world(repo)
    async with store.snapshot() as repo:
        later = await repo.call_records(NUMBER, ANN, T0 + timedelta(hours=2))
        assert later.latest_conversation is None and later.latest_outbound is not None
        unknown = await repo.call_records(NUMBER, None, T0)
        assert unknown.contacts == [] and unknown.latest_outbound is None
        assert {a.name for a in unknown.agents.values()} == {"Alice", "Bob", "Carol"}


async def test_a_number_not_here_has_no_records_of_its_own(store: Store) -> None:
    async with store.transaction() as repo:
        await world(repo)
    async with store.snapshot() as repo:
        got = await repo.call_records("+12125550188", ANN, T0)
        assert got.number is None and got.routing is None and got.team_office_id is None
        # the admins and the agents of the caller's history
        assert [a.name for a in got.agents.values()] == ["Alice", "Dave", "Erin"]
        assert len(got.contacts) == 2  # the caller is who they are, whatever they called
