"""Smart Numbers: adding them, finding one by what a person typed, where their calls
fall back to, and which number an agent's calls and texts show (SPEC 2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import phone
from ..errors import Conflict, NotFound, UserError
from ..model import (
    Agent,
    Scope,
    SmartNumber,
)
from ..routing.inbound import office_admin
from ..routing.outbound import OutboundChoice, choose_outbound_number
from ..storage.repository import NewSmartNumber, Organisation, Repository
from .organisation import agent_named, office_named, team_named


async def number_called(repo: Organisation, number: str) -> SmartNumber:
    e164 = phone.to_e164(number)
    found = await repo.number_by_e164(e164)
    if found is None:
        raise NotFound(f"{e164} is not a Smart Number here")
    return found


async def add_number(
    repo: Repository,
    number: str,
    scope: str,
    owner: str,
    *,
    primary: bool = False,
    fallback: str | None = None,
) -> SmartNumber:
    """Add a Smart Number owned by an office, a team or (personal) an agent."""
    e164 = phone.to_e164(number)
    if await repo.number_by_e164(e164):
        raise Conflict(f"{e164} is already a Smart Number")
    kind = Scope(scope)
    if kind is Scope.OFFICE:
        owner_id = (await office_named(repo, owner)).id
    elif kind is Scope.TEAM:
        owner_id = (await team_named(repo, owner)).id
    else:
        owner_id = (await agent_named(repo, owner)).id
    if primary and kind is not Scope.PERSONAL:
        raise UserError("only personal numbers have a primary")
    fallback_id = (await agent_named(repo, fallback)).id if fallback else None
    # An agent's first personal number is their primary one.
    first_personal = kind is Scope.PERSONAL and not await repo.numbers_owned(kind, owner_id)
    added = await repo.add_number(
        NewSmartNumber(e164, kind, owner_id, primary or first_personal, fallback_id)
    )
    if primary:
        await repo.set_primary_number(added)
    return added


async def fallback_agent(
    repo: Organisation, number: SmartNumber, admins: Sequence[Agent] | None = None
) -> Agent | None:
    """Who the dialplan rings when the routing service cannot be reached (fallback_among).
    `admins`: the active admins, when the caller has them already."""
    named = number.fallback_agent_id if number.fallback_agent_id is not None else number.agent_id
    if named is not None:
        return await repo.agent_by_id(named)
    team = await repo.team_by_id(number.team_id) if number.team_id is not None else None
    if admins is None:
        admins = await repo.active_admins()
    return fallback_among(number, {}, admins, team.office_id if team else None)


def fallback_among(
    number: SmartNumber,
    agents: Mapping[int, Agent],
    admins: Sequence[Agent],
    team_office_id: int | None,
) -> Agent | None:
    """Who the dialplan rings when the routing service cannot be reached: the number's
    explicit fallback agent; else a personal number's owner; else an active admin of the
    owning office (for a team: the team's office, `team_office_id`); else any active
    admin. `agents`: by id, at least those the number names."""
    if number.fallback_agent_id is not None:
        return agents.get(number.fallback_agent_id)
    if number.agent_id is not None:
        return agents.get(number.agent_id)
    return office_admin(admins, team_office_id if number.team_id is not None else number.office_id)


async def outbound_number(
    repo: Repository, agent_name: str, contact: str | None = None
) -> tuple[Agent, OutboundChoice]:
    """The number an agent's calls and texts (to `contact`, if known) show."""
    agent = await agent_named(repo, agent_name)
    return agent, await outbound_choice(repo, agent, contact)


async def outbound_choice(
    repo: Repository, agent: Agent, contact: str | None = None, *, texting: bool = False
) -> OutboundChoice:
    """Their verified caller ID if they chose one (calls only: texts always go from a
    Smart Number), else personal > team > office."""
    verified = None
    if not texting:
        verified = next(
            (c.e164 for c in await repo.caller_ids(agent.id) if c.in_use and c.verified_at),
            None,
        )
    personal = await repo.numbers_owned(Scope.PERSONAL, agent.id)
    team = await repo.numbers_owned(Scope.TEAM, agent.team_id) if agent.team_id else []
    office = await repo.numbers_owned(Scope.OFFICE, agent.office_id) if agent.office_id else []
    return choose_outbound_number(personal, team, office, contact=contact, verified=verified)
