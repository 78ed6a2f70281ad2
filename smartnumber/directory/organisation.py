"""Provisioning: the service functions behind the CLI. Validation lives here, SQL does not."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .. import phone
from ..errors import Conflict, NotFound, UserError
from ..model import (
    Activity,
    ActivityKind,
    Agent,
    Contact,
    ContactPhone,
    Direction,
    LineType,
    Office,
    Scope,
    SmartNumber,
    Team,
)
from ..routing.inbound import office_admin
from ..routing.outbound import OutboundChoice, choose_outbound_number
from ..storage.repository import NewActivity, NewAgent, NewContact, NewSmartNumber, Repository

_ENDPOINT = re.compile(r"^PJSIP/([A-Za-z][A-Za-z0-9_.-]{0,39})$")
_SIP_CONTACT = re.compile(
    r"^sip:(?:[A-Za-z0-9_.+-]{1,40}@)?(?:\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9.-]{1,253})"
    r"(?::\d{1,5})?$"
)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")
# pjsip section names smartnumber renders itself: an agent endpoint may not take them.
RESERVED_ENDPOINTS = frozenset({"trunk", "transport-udp", "global", "system"})


def check_name(what: str, name: str) -> str:
    """A display name: 1-80 printable characters, trimmed."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 80 or not cleaned.isprintable():
        raise UserError(f"{what} name must be 1-80 printable characters")
    return cleaned


def check_endpoint(endpoint: str) -> str:
    match = _ENDPOINT.match(endpoint.strip())
    if not match:
        raise UserError(
            f"endpoint {endpoint!r} must look like PJSIP/name (letters, digits, '_', '.', '-')"
        )
    if match[1].lower() in RESERVED_ENDPOINTS:
        raise UserError(f"endpoint name {match[1]!r} is reserved")
    return endpoint.strip()


# -- lookups that turn a name into a thing or a clear error --------------------------------


async def office_named(repo: Repository, name: str) -> Office:
    office = await repo.office_by_name(name)
    if office is None:
        raise NotFound(f"no office named {name!r}")
    return office


async def team_named(repo: Repository, name: str) -> Team:
    team = await repo.team_by_name(name)
    if team is None:
        raise NotFound(f"no team named {name!r}")
    return team


async def agent_named(repo: Repository, name: str) -> Agent:
    agent = await repo.agent_by_name(name)
    if agent is None:
        raise NotFound(f"no agent named {name!r}")
    return agent


async def number_called(repo: Repository, number: str) -> SmartNumber:
    e164 = phone.to_e164(number)
    found = await repo.number_by_e164(e164)
    if found is None:
        raise NotFound(f"{e164} is not a Smart Number here")
    return found


async def contacts_with(repo: Repository, number: str) -> tuple[str, list[Contact]]:
    """All contacts having this phone number (several when it is shared)."""
    e164 = phone.to_e164(number)
    contacts = await repo.contacts_by_phone(e164)
    if not contacts:
        raise NotFound(f"no contact has the number {e164}")
    return e164, contacts


# -- offices, teams, agents ------------------------------------------------------------------


async def add_office(repo: Repository, name: str) -> Office:
    name = check_name("office", name)
    if await repo.office_by_name(name):
        raise Conflict(f"office {name!r} already exists")
    return await repo.add_office(name)


async def add_team(repo: Repository, name: str, office_name: str) -> Team:
    name = check_name("team", name)
    office = await office_named(repo, office_name)
    if await repo.team_by_name(name):
        raise Conflict(f"team {name!r} already exists")
    return await repo.add_team(name, office.id)


async def add_agent(
    repo: Repository,
    name: str,
    cell: str,
    *,
    endpoint: str | None = None,
    office_name: str | None = None,
    team_name: str | None = None,
    admin: bool = False,
    email: str | None = None,
    sip_contact: str | None = None,
) -> Agent:
    """Add an agent; an endpoint gets a generated SIP password (a phone at a fixed address
    too: it is identified by that address, and still challenged for the password)."""
    name = check_name("agent", name)
    if await repo.agent_by_name(name):
        raise Conflict(f"agent {name!r} already exists")
    cell_e164 = phone.to_e164(cell)
    office = await office_named(repo, office_name) if office_name else None
    team = await team_named(repo, team_name) if team_name else None
    if team and office and team.office_id != office.id:
        raise UserError(f"team {team.name!r} is not in office {office.name!r}")
    office_id = office.id if office else (team.office_id if team else None)
    if endpoint is not None:
        endpoint = check_endpoint(endpoint)
        if await repo.agent_by_endpoint(endpoint):
            raise Conflict(f"endpoint {endpoint} already belongs to another agent")
    if sip_contact is not None:
        if endpoint is None:
            raise UserError("--sip-contact needs --endpoint")
        if not _SIP_CONTACT.match(sip_contact):
            raise UserError(f"{sip_contact!r} is not a SIP contact like sip:127.0.0.3:5060")
    if email is not None and not _EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    secret = secrets.token_hex(16) if endpoint else None
    return await repo.add_agent(
        NewAgent(
            name=name,
            cell=cell_e164,
            endpoint=endpoint,
            office_id=office_id,
            team_id=team.id if team else None,
            admin=admin,
            email=email,
            sip_contact=sip_contact,
            sip_secret=secret,
        )
    )


async def set_agent_active(repo: Repository, name: str, active: bool) -> Agent:
    agent = await agent_named(repo, name)
    await repo.set_agent_active(agent.id, active)
    return await agent_named(repo, name)


# -- Smart Numbers -----------------------------------------------------------------------------


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
    repo: Repository, number: SmartNumber, admins: Sequence[Agent] | None = None
) -> Agent | None:
    """Who the dialplan rings when the routing service cannot be reached.

    The number's explicit fallback agent; else a personal number's owner; else an active
    admin of the owning office (for a team: the team's office); else any active admin.
    `admins`: the active admins, when the caller has them already.
    """
    if number.fallback_agent_id is not None:
        return await repo.agent_by_id(number.fallback_agent_id)
    if number.agent_id is not None:
        return await repo.agent_by_id(number.agent_id)
    office_id = number.office_id
    if number.team_id is not None:
        team = await repo.team_by_id(number.team_id)
        office_id = team.office_id if team else None
    if admins is None:
        admins = await repo.active_admins()
    return office_admin(admins, office_id)


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


# -- contacts and their timeline -----------------------------------------------------------


def lead_name(e164: str) -> str:
    """The name a lead made from a number alone is given."""
    return f"Lead {e164}"


async def contact_or_lead(
    repo: Repository, e164: str, agent: Agent, source: str, now: datetime
) -> Contact:
    """The contact with this number (the first, if shared), else a new lead owned by the
    agent who reached out to it."""
    found = await repo.contacts_by_phone(e164)
    if found:
        return found[0]
    return await repo.add_contact(
        NewContact(
            name=lead_name(e164),
            phones=(ContactPhone(e164),),
            created_at=now,
            owner_agent_id=agent.id,
            source=source,
        )
    )


async def add_contact(
    repo: Repository,
    name: str,
    phones: Sequence[str],
    *,
    now: datetime,
    owner: str | None = None,
    line_type: str = "unknown",
    source: str = "manual",
) -> tuple[Contact, list[Contact]]:
    """Add a contact; also returns other contacts already sharing one of its numbers."""
    name = check_name("contact", name)
    if not phones:
        raise UserError("a contact needs at least one phone number")
    numbers = list(dict.fromkeys(phone.to_e164(p) for p in phones))
    try:
        kind = LineType(line_type)
    except ValueError:
        raise UserError(f"line type must be one of {', '.join(LineType)}") from None
    owner_agent = await agent_named(repo, owner) if owner else None
    sharing: dict[int, Contact] = {}
    for e164 in numbers:
        for other in await repo.contacts_by_phone(e164):
            sharing[other.id] = other
    contact = await repo.add_contact(
        NewContact(
            name=name,
            phones=tuple(ContactPhone(e164, line_type=kind) for e164 in numbers),
            created_at=now,
            owner_agent_id=owner_agent.id if owner_agent else None,
            source=source,
        )
    )
    return contact, list(sharing.values())


async def add_activity(
    repo: Repository,
    *,
    contact_number: str,
    kind: str,
    direction: str,
    at: datetime,
    agent: str | None = None,
    contact_name: str | None = None,
    smart_number: str | None = None,
    detail: dict[str, Any] | None = None,
    external_id: str | None = None,
) -> Activity | None:
    """Record one timeline entry; None if its external id was imported before."""
    try:
        activity_kind = ActivityKind(kind)
    except ValueError:
        raise UserError(f"kind must be one of {', '.join(ActivityKind)}") from None
    try:
        activity_direction = Direction(direction)
    except ValueError:
        raise UserError(f"direction must be one of {', '.join(Direction)}") from None
    if at.tzinfo is None:
        raise UserError("the time needs a time zone (e.g. 2026-11-20T14:00:00+00:00)")
    contact = await _one_contact(repo, contact_number, contact_name)
    agent_row = await agent_named(repo, agent) if agent else None
    number_row = await number_called(repo, smart_number) if smart_number else None
    return await repo.add_activity(
        NewActivity(
            contact_id=contact.id,
            kind=activity_kind,
            direction=activity_direction,
            at=at,
            agent_id=agent_row.id if agent_row else None,
            smart_number_id=number_row.id if number_row else None,
            detail=detail or {},
            external_id=external_id,
        )
    )


async def _one_contact(repo: Repository, number: str, name: str | None) -> Contact:
    e164, contacts = await contacts_with(repo, number)
    if name is not None:
        contacts = [c for c in contacts if c.name == name]
        if not contacts:
            raise NotFound(f"no contact named {name!r} has the number {e164}")
    if len(contacts) > 1:
        names = ", ".join(repr(c.name) for c in contacts)
        raise UserError(f"{e164} is shared by {names}; say which with --contact-name")
    return contacts[0]
