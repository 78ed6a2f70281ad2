"""The organisation: offices, teams and agents (SPEC 1), validated; lookups that turn a
name into a thing or a clear error. Validation lives here, SQL does not."""

from __future__ import annotations

import re
import secrets

from .. import phone
from ..asterisk import RESERVED_SECTIONS
from ..errors import Conflict, NotFound, UserError
from ..model import (
    Agent,
    Office,
    Team,
)
from ..storage.repository import NewAgent, Organisation, Repository

_ENDPOINT = re.compile(r"^PJSIP/([A-Za-z][A-Za-z0-9_.-]{0,39})$")
_SIP_CONTACT = re.compile(
    r"^sip:(?:[A-Za-z0-9_.+-]{1,40}@)?(?:\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9.-]{1,253})"
    r"(?::\d{1,5})?$"
)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")
# pjsip section names smartnumber renders itself: an agent endpoint may not take them.
RESERVED_ENDPOINTS = RESERVED_SECTIONS


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


async def office_named(repo: Organisation, name: str) -> Office:
    office = await repo.office_by_name(name)
    if office is None:
        raise NotFound(f"no office named {name!r}")
    return office


async def team_named(repo: Organisation, name: str) -> Team:
    team = await repo.team_by_name(name)
    if team is None:
        raise NotFound(f"no team named {name!r}")
    return team


async def agent_named(repo: Organisation, name: str) -> Agent:
    agent = await repo.agent_by_name(name)
    if agent is None:
        raise NotFound(f"no agent named {name!r}")
    return agent


# -- offices, teams, agents ------------------------------------------------------------------


async def add_office(repo: Organisation, name: str) -> Office:
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


# -- contacts and their timeline -----------------------------------------------------------
