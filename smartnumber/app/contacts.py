"""Use cases of the CRM's door on contacts and timelines: upsert (one or a batch),
read, find by phone, ingest activities idempotently, page a timeline. Each takes who is
asking (access.Caller): an agent sees and touches only their own contacts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import phone
from ..access import Caller, Forbidden
from ..directory import contacts, organisation
from ..errors import NotFound, UserError
from ..model import Activity, Agent, Contact
from ..storage.repository import NewActivity, Repository, Store
from . import views

MAX_BATCH = 1000


@dataclass(frozen=True)
class ContactFields:
    """A contact as the CRM sends it."""

    name: str
    phones: tuple[str, ...]
    external_id: str | None = None
    owner: str | None = None  # an agent's name
    line_type: str = "unknown"


async def _owner(repo: Repository, caller: Caller, fields: ContactFields) -> Agent | None:
    if caller.agent is not None:  # an agent's contacts are their own
        if fields.owner not in (None, caller.agent.name):
            raise Forbidden("an agent token can only give contacts to its own agent")
        return caller.agent
    return await organisation.agent_named(repo, fields.owner) if fields.owner else None


async def _upsert(
    repo: Repository, caller: Caller, fields: ContactFields, now: datetime
) -> tuple[Contact, bool]:
    return await contacts.upsert_contact(
        repo,
        name=fields.name,
        phones=fields.phones,
        now=now,
        external_id=fields.external_id,
        owner=await _owner(repo, caller, fields),
        line_type=fields.line_type,
        may_change=caller.may_see,
        reassign=caller.agent is None,  # an agent's token makes theirs, takes none over
    )


async def upsert_contact(
    store: Store, caller: Caller, fields: ContactFields, now: datetime
) -> tuple[dict[str, Any], bool]:
    """One contact made or updated; (its view, whether it is new)."""
    async with store.transaction() as repo:
        contact, created = await _upsert(repo, caller, fields, now)
        return views.contact(contact, await views.Names.about(repo, [contact])), created


async def upsert_contacts(
    store: Store, caller: Caller, batch: Sequence[ContactFields], now: datetime
) -> list[dict[str, Any]]:
    """Up to MAX_BATCH contacts in one transaction: all of them, or (on any error) none;
    the error names the item."""
    if len(batch) > MAX_BATCH:
        raise UserError(f"at most {MAX_BATCH} contacts per request; this has {len(batch)}")
    results = []
    async with store.transaction() as repo:
        for index, fields in enumerate(batch):
            try:
                contact, created = await _upsert(repo, caller, fields, now)
            except UserError as exc:
                raise type(exc)(f"contacts[{index}]: {exc}") from None
            results.append(
                {"id": contact.id, "external_id": contact.external_id, "created": created}
            )
    return results


async def _visible(repo: Repository, caller: Caller, contact_id: int) -> Contact:
    found = await repo.contact_by_id(contact_id)
    if found is None or not caller.may_see(found):
        raise NotFound(f"no contact {contact_id}")  # an agent learns nothing of others'
    return found


async def contact(store: Store, caller: Caller, contact_id: int) -> dict[str, Any]:
    async with store.snapshot() as repo:
        found = await _visible(repo, caller, contact_id)
        return views.contact(found, await views.Names.about(repo, [found]))


async def find_contacts(
    store: Store,
    caller: Caller,
    *,
    phone_number: str | None,
    external_id: str | None,
    limit: int,
    after_id: int,
) -> list[dict[str, Any]]:
    """By phone, by external id, or (neither) a page of all the caller may see."""
    async with store.snapshot() as repo:
        if phone_number is not None:
            found = await repo.contacts_by_phone(phone.to_e164(phone_number))
        elif external_id is not None:
            one = await repo.contact_by_external_id(external_id)
            found = [one] if one else []
        elif caller.agent is not None:
            found = await repo.agent_contacts(caller.agent.id, limit, after_id)
        else:
            found = await repo.list_contacts(limit, after_id=after_id)
        shown = [c for c in found if caller.may_see(c)][:limit]
        names = await views.Names.about(repo, shown)
        return [views.contact(c, names) for c in shown]


@dataclass(frozen=True)
class ActivityFields:
    kind: str
    direction: str
    at: datetime
    detail: dict[str, Any]
    agent: str | None = None
    idempotency_key: str | None = None


async def ingest_activity(
    store: Store, caller: Caller, contact_id: int, fields: ActivityFields
) -> tuple[dict[str, Any], bool]:
    """A CRM event on the contact's timeline; the same idempotency key twice is stored
    once (the second answer is the first activity). (its view, whether it is new)."""
    kind, direction = contacts.checked_activity(fields.kind, fields.direction, fields.at)
    key = contacts.check_external_id(fields.idempotency_key, "an idempotency key")
    async with store.transaction() as repo:
        target = await _visible(repo, caller, contact_id)
        agent = caller.agent
        if agent is None and fields.agent:
            agent = await organisation.agent_named(repo, fields.agent)
        if key is not None:
            earlier = await repo.activity_by_external_id(key)
            if earlier is not None:
                if earlier.contact_id != target.id:
                    raise UserError("that idempotency key was used for another contact")
                names = await views.Names.about(repo, activities=[earlier])
                return views.activity(earlier, names, target.name), False
        added = await repo.add_activity(
            NewActivity(
                contact_id=target.id,
                kind=kind,
                direction=direction,
                at=fields.at,
                agent_id=agent.id if agent else None,
                detail=fields.detail,
                external_id=key,
            )
        )
        assert added is not None  # the key was free a moment ago, in this transaction
        names = await views.Names.about(repo, activities=[added])
        return views.activity(added, names, target.name), True


async def timeline(
    store: Store, caller: Caller, contact_id: int, limit: int, before_id: int | None
) -> list[dict[str, Any]]:
    """A contact's timeline, newest first; `before_id` pages on from an activity."""
    async with store.snapshot() as repo:
        target = await _visible(repo, caller, contact_id)
        entries: list[Activity] = await repo.timeline([target.id], limit, before_id)
        names = await views.Names.about(repo, activities=entries)
        return [views.activity(a, names, target.name) for a in entries]
