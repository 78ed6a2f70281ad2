"""Contacts (leads) and their timeline: adding them, finding them by a phone number,
making a lead from a number, recording an activity."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import clock, phone
from ..errors import Conflict, NotFound, UserError
from ..model import (
    Activity,
    ActivityKind,
    Agent,
    Contact,
    ContactPhone,
    Direction,
    LineType,
)
from ..storage.repository import Contacts, NewActivity, NewContact, Repository
from ..webhooks import events
from .numbers import number_called
from .organisation import agent_named, check_name

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # an activity's time: no earlier ...
FUTURE_SLACK = timedelta(days=1)  # ... and no later than this from now


async def contacts_with(repo: Contacts, number: str) -> tuple[str, list[Contact]]:
    """All contacts having this phone number (several when it is shared)."""
    e164 = phone.to_e164(number)
    contacts = await repo.contacts_by_phone(e164)
    if not contacts:
        raise NotFound(f"no contact has the number {e164}")
    return e164, contacts


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
    lead = await repo.add_contact(
        NewContact(
            name=lead_name(e164),
            phones=(ContactPhone(e164),),
            created_at=now,
            owner_agent_id=agent.id,
            source=source,
        )
    )
    await events.lead_created(repo, lead, now)
    return lead


def checked_fields(
    name: str, phones: Sequence[str], line_type: str
) -> tuple[str, list[str], LineType]:
    """A contact's name, its numbers as E.164 (each once) and their line type, checked."""
    name = check_name("contact", name)
    if not phones:
        raise UserError("a contact needs at least one phone number")
    numbers = list(dict.fromkeys(phone.to_e164(p) for p in phones))
    try:
        kind = LineType(line_type)
    except ValueError:
        raise UserError(f"line type must be one of {', '.join(LineType)}") from None
    return name, numbers, kind


def check_external_id(value: str | None, what: str) -> str | None:
    """The CRM's id of a contact or an event: 1-128 printable characters (or none)."""
    if value is not None and not (0 < len(value) <= 128 and value.isprintable()):
        raise UserError(f"{what} is 1-128 printable characters")
    return value


def checked_activity(kind: str, direction: str, at: datetime) -> tuple[ActivityKind, Direction]:
    """An activity's kind and direction, and a time that says its zone."""
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
    try:
        utc = at.astimezone(UTC)
    except (OverflowError, ValueError):
        raise UserError("the time is out of range") from None
    # One dated in the far future would be the "most recent" for ever and pin routing
    # to its agent; a clock a little ahead is forgiven.
    if not EARLIEST <= utc <= clock.now() + FUTURE_SLACK:
        raise UserError(
            f"the time {utc:%Y-%m-%d %H:%M} UTC is out of range: from 1970 to at most"
            " a day from now"
        )
    return activity_kind, activity_direction


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
    name, numbers, kind = checked_fields(name, phones, line_type)
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
    activity_kind, activity_direction = checked_activity(kind, direction, at)
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


async def upsert_contact(
    repo: Contacts,
    *,
    name: str,
    phones: Sequence[str],
    now: datetime,
    external_id: str | None = None,
    owner: Agent | None = None,
    line_type: str = "unknown",
    source: str = "api",
    may_change: Callable[[Contact], bool] = lambda contact: True,
    reassign: bool = True,
) -> tuple[Contact, bool]:
    """The CRM's contact, made or brought up to date: found by its external id, else by
    its phone number (refused when several contacts share it); new numbers are added,
    none taken away. An existing contact `may_change` refuses is NotFound (to the asker
    it does not exist), and a number such a contact has is a Conflict (the asker may not
    take it over or share it); with `reassign` False, `owner` is only for a new contact.
    Returns the contact and whether it is new."""
    name, numbers, kind = checked_fields(name, phones, line_type)
    check_external_id(external_id, "an external id")
    matches = {c.id: c for e164 in numbers for c in await repo.contacts_by_phone(e164)}
    if any(not may_change(c) for c in matches.values()):
        # Whose it is, and what they said, stays theirs: only that it is taken.
        raise Conflict(
            "a number given is another agent's contact's; an admin can assign that contact to you"
        )
    found = await repo.contact_by_external_id(external_id) if external_id else None
    if found is None:
        unclaimed = [c for c in matches.values() if c.external_id in (None, external_id)]
        if len(unclaimed) > 1:
            raise Conflict(
                f"{len(unclaimed)} contacts have these numbers; give an external_id to say which"
            )
        found = unclaimed[0] if unclaimed else None
    if found is not None and not may_change(found):
        raise NotFound("no such contact among yours")
    if found is None:
        made = await repo.add_contact(
            NewContact(
                name=name,
                phones=tuple(ContactPhone(e164, line_type=kind) for e164 in numbers),
                created_at=now,
                owner_agent_id=owner.id if owner else None,
                source=source,
                external_id=external_id,
            )
        )
        return made, True
    external_id = external_id or found.external_id
    if (name, external_id) != (found.name, found.external_id):
        await repo.update_contact(found.id, name=name, external_id=external_id)
    have = {p.e164 for p in found.phones}
    added = tuple(ContactPhone(e, line_type=kind) for e in numbers if e not in have)
    if added:
        await repo.add_contact_phones(found.id, added)
    updated = replace(found, name=name, external_id=external_id, phones=found.phones + added)
    if reassign and owner is not None and owner.id != found.owner_agent_id:
        await repo.set_contact_ownership(
            found.id,
            owner_agent_id=owner.id,
            owner_team_id=None,
            owner_office_id=None,
            assigned_agent_id=found.assigned_agent_id,
        )
        updated = replace(
            updated, owner_agent_id=owner.id, owner_team_id=None, owner_office_id=None
        )
    return updated, False
