"""Use cases of the directory: offices, teams, agents, Smart Numbers, contacts, their
timelines and imports. Each takes the store, runs its transactions, and returns model
objects or view dicts (views.py); the CLI presents them, the HTTP API will too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import asterisk, phone, settings
from ..calls import identity
from ..directory import contacts, imports, numbers, organisation
from ..errors import UserError
from ..model import Activity, Agent, Contact, LineType, Office, SmartNumber, Team
from ..storage.repository import Store
from ..texting import compliance, suspension
from ..texting.carriers import registry
from . import views

# An import reports progress by line number; the CLI draws it.
Progress = imports.Progress
ImportReport = imports.ImportReport
count_rows = imports.count_rows
read_line_types = compliance.read_line_types


async def add_office(store: Store, name: str) -> Office:
    async with store.transaction() as repo:
        return await organisation.add_office(repo, name)


async def list_offices(store: Store) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        return [{"name": o.name} for o in await repo.list_offices()]


async def add_team(store: Store, name: str, office: str) -> Team:
    async with store.transaction() as repo:
        return await organisation.add_team(repo, name, office)


async def list_teams(store: Store) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        names = await views.Names.load(repo)
        return [
            {"name": t.name, "office": names.office(t.office_id)} for t in await repo.list_teams()
        ]


async def add_agent(store: Store, name: str, cell: str, **options: Any) -> Agent:
    """options: endpoint, office_name, team_name, admin, email, sip_contact."""
    async with store.transaction() as repo:
        return await organisation.add_agent(repo, name, cell, **options)


async def set_agent_active(store: Store, name: str, active: bool) -> Agent:
    async with store.transaction() as repo:
        return await organisation.set_agent_active(repo, name, active)


async def list_agents(store: Store) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        names = await views.Names.load(repo)
        return [views.agent(a, names) for a in await repo.list_agents()]


async def show_agent(store: Store, name: str, now: datetime, *, reveal: bool) -> dict[str, Any]:
    """One agent: their outbound number, texting suspension, SIP password (if revealed),
    and where their phone is registered now (asked of Asterisk; `registrations` is None
    with `registrations_unknown` saying why when Asterisk cannot tell)."""
    view = await _agent_record(store, name, now, reveal=reveal)
    aor = view.pop("_aor")
    if aor:
        async with store.snapshot() as repo:
            ami = asterisk.cli_login(await settings.load(repo), "off")
        try:
            found = await asterisk.registrations_of(ami, aor)
        except UserError as exc:
            view["registrations"], view["registrations_unknown"] = None, str(exc)
        else:
            view["registrations"] = [views.registration(r) for r in found]
    return view


async def _agent_record(store: Store, name: str, now: datetime, *, reveal: bool) -> dict[str, Any]:
    async with store.snapshot() as repo:
        found, choice = await numbers.outbound_number(repo, name)
        names = await views.Names.load(repo)
        view = views.agent_detail(found, names, reveal=reveal)
        view["outbound_number"] = views.outbound(found.name, choice)["number"]
        current = await suspension.active(repo, found.id, now)
        view["texting_suspended"] = (
            views.suspension(current, names, now, await repo.suspension_emails(current.id))
            if current
            else None
        )
        # a phone that registers (not one at a fixed sip contact) may be registered now
        view["_aor"] = found.endpoint_name if not found.sip_contact else None
        return view


async def outbound_number(store: Store, agent: str, to: str | None) -> dict[str, Any]:
    """Which number the agent's calls and texts (to `to`) show, and why."""
    contact = phone.to_e164(to) if to else None
    async with store.snapshot() as repo:
        found, choice = await numbers.outbound_number(repo, agent, contact)
        return views.outbound(found.name, choice)


async def add_number(
    store: Store, e164: str, scope: str, owner: str, *, primary: bool, fallback: str | None
) -> SmartNumber:
    async with store.transaction() as repo:
        return await numbers.add_number(
            repo, e164, scope, owner, primary=primary, fallback=fallback
        )


async def list_numbers(store: Store) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        names = await views.Names.load(repo)
        return [views.number(n, names) for n in await repo.list_numbers()]


async def show_number(store: Store, e164: str) -> dict[str, Any]:
    """One Smart Number: its call handling, routing and fallback destination."""
    async with store.snapshot() as repo:
        found = await numbers.number_called(repo, e164)
        names = await views.Names.load(repo)
        view = views.number(found, names)
        fallback = await numbers.fallback_agent(repo, found)
        view["fallback_destination"] = fallback.name if fallback else None
        view["call_handling"] = found.handling.as_dict()
        carrier = await registry.of_number(repo, found)
        view["sms_carrier"] = carrier.name if carrier else registry.SIP
        view |= identity.view(await repo.caller_identity(found.id))
        routing = await repo.number_routing(found.id)
        view["routing"] = (
            {
                "mode": routing.mode.value,
                "agents": [names.agent(i) for i in routing.agent_ids],
                "last_agent": names.agent(routing.last_agent_id),
            }
            if routing
            else None
        )
        return view


async def add_contact(
    store: Store,
    name: str,
    phones: Sequence[str],
    now: datetime,
    *,
    owner: str | None,
    line_type: str,
) -> tuple[Contact, list[Contact]]:
    """The contact, and the others already sharing one of its numbers."""
    async with store.transaction() as repo:
        return await contacts.add_contact(
            repo, name, phones, now=now, owner=owner, line_type=line_type
        )


async def list_contacts(store: Store, limit: int, offset: int) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        names = await views.Names.load(repo)
        return [views.contact(c, names) for c in await repo.list_contacts(limit, offset)]


async def show_contacts(store: Store, number: str) -> list[dict[str, Any]]:
    """The contact(s) with this number (several when it is shared)."""
    async with store.snapshot() as repo:
        _, found = await contacts.contacts_with(repo, number)
        names = await views.Names.load(repo)
        return [views.contact(c, names) for c in found]


async def set_line_type(store: Store, number: str, line_type: str) -> str:
    e164 = phone.to_e164(number)
    async with store.transaction() as repo:
        await repo.set_line_type(e164, LineType(line_type))
    return e164


async def import_line_types(store: Store, rows: Sequence[compliance.LineTypeRow]) -> int:
    """Store rows read (and checked) by compliance.read_line_types, all in one go."""
    async with store.transaction() as repo:
        for row in rows:
            await repo.set_line_type(row.prefix, row.line_type)
    return len(rows)


async def add_activity(store: Store, **fields: Any) -> Activity | None:
    """contact_number, contact_name, kind, direction, at, agent, smart_number, detail."""
    async with store.transaction() as repo:
        return await contacts.add_activity(repo, **fields)


async def timeline(store: Store, number: str, limit: int) -> list[dict[str, Any]]:
    """The timeline of every contact with this number, newest first."""
    async with store.snapshot() as repo:
        _, found = await contacts.contacts_with(repo, number)
        by_id = {c.id: c.name for c in found}
        names = await views.Names.load(repo)
        return [
            views.activity(a, names, by_id.get(a.contact_id))
            for a in await repo.timeline(list(by_id), limit)
        ]


async def import_contacts(
    store: Store, path: Path, now: datetime, progress: imports.Progress
) -> imports.ImportReport:
    return await imports.import_contacts(store, path, now=now, progress=progress)


async def import_activities(
    store: Store, path: Path, progress: imports.Progress
) -> imports.ImportReport:
    return await imports.import_activities(store, path, progress=progress)
