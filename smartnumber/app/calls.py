"""Use cases of calls: number routing and call handling, route explain, click-to-call,
caller-ID verification, recordings. Each takes the store (and Asterisk's AMI where it
places a call) and returns model objects or view dicts (views.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import asterisk, media, settings, storage
from ..access import Caller
from ..calls import caller_id, click_to_call, handling, inbound, outcome_words, placing, recordings
from ..directory import organisation
from ..errors import NotFound
from ..model import Agent, CallHandling, Recording, RoutingMode, SmartNumber
from ..storage.repository import Store
from ..texting.carriers import registry
from . import views

# What a click-to-call in progress reports (the CLI prints each stage as it comes).
Plan = click_to_call.Plan
Stage = click_to_call.Stage
Placed = click_to_call.Placed
AGENT_RING_SECONDS = click_to_call.AGENT_RING_SECONDS


async def set_number_routing(
    store: Store, number: str, mode: str, agents: list[str]
) -> tuple[SmartNumber, RoutingMode, list[Agent]]:
    async with store.transaction() as repo:
        return await inbound.set_number_routing(repo, number, mode, agents)


async def configure_number(
    store: Store, db: str | Path, number: str, changes: dict[str, Any]
) -> tuple[SmartNumber, CallHandling]:
    """Change a number's call handling; spoken or imported prompts are made into the media
    directory first (espeak-ng and sox take a moment: not inside a transaction)."""
    changes = dict(changes)
    carrier = changes.pop("sms_carrier", None)
    handling.check_contradictions(changes)
    async with store.transaction() as repo:
        media_dir = media.directory(await settings.load(repo), storage.home(db))
    made = handling.make_prompts(media_dir, changes)
    async with store.transaction() as repo:
        found, configured = await handling.configure(repo, number, made)
        if carrier is not None:
            await registry.link(repo, found, carrier)
        return found, configured


async def explain_route(store: Store, number: str, caller: str, at: datetime) -> dict[str, Any]:
    """Whom a call would ring and by which rule; changes nothing."""
    async with store.snapshot() as repo:
        return (await inbound.explain(repo, number, caller, at)).as_dict()


async def cli_placer(store: Store) -> click_to_call.CallPlacer:
    """How the CLI places its calls: through the AMI, with the CLI's own login."""
    async with store.snapshot() as repo:
        return asterisk.AmiCallPlacer.with_cli_login(await settings.load(repo))


async def click_to_call_contact(
    store: Store,
    agent: str,
    number: str,
    via: str | None,
    now: Callable[[], datetime],
    on_plan: Callable[[click_to_call.Plan], None],
    on_stage: Callable[[Stage, str], None],
    on_note: Callable[[str], None],
    *,
    wait: bool,
    ring_seconds: int,
    around: Callable[[], AbstractAsyncContextManager[None]] | None = None,
    placer: click_to_call.CallPlacer | None = None,
) -> Placed:
    """Click-to-call: plan it (checked, nothing written; `on_plan` shows it), place it
    (by `placer`, else the CLI's) and follow it (`around`: what must be up meanwhile, e.g.
    the demo's phones). The call is written down only once Asterisk took it; an agent who
    did not answer is noted. Raises UserError when the contact was never called."""
    plan = await plan_click_to_call(store, agent, number, via, now())
    on_plan(plan)
    placer = placer or await cli_placer(store)
    async with around() if around else contextlib.nullcontext():
        return await placing.place(
            store, placer, plan, now, on_stage, on_note, wait=wait, ring_seconds=ring_seconds
        )


def contact_outcome(plan: click_to_call.Plan, placed: Placed) -> str:
    """What the contact's leg came to, in the words the timeline uses."""
    return outcome_words.click_to_call(
        placed.contact_status or "", agent=plan.agent, contact=plan.contact_name
    ).sentence


async def plan_click_to_call(
    store: Store, agent: str, number: str, via: str | None, at: datetime
) -> click_to_call.Plan:
    """Check the agent and the number and choose what the contact sees; writes nothing."""
    async with store.snapshot() as repo:
        return await click_to_call.plan(repo, agent, number, via, at)


async def request_click_to_call(
    store: Store,
    caller: Caller,
    agent: str | None,
    number: str,
    via: str | None,
    now: Callable[[], datetime],
) -> dict[str, Any]:
    """Click-to-call for the HTTP API: checked and planned now (errors are the caller's
    answer), then kept for a routing service to place (any node's, exactly once), which
    publishes every stage as a click_to_call.progress event and the outcome as call.ended."""
    async with store.snapshot() as repo:
        named = await organisation.agent_named(repo, agent) if agent else None
        acting = caller.acting_agent(named)
        await caller.check_number(repo, number)
    plan = await plan_click_to_call(store, acting.name, number, via, now())
    return await placing.request(store, plan, now())


async def verify_caller_id(
    store: Store,
    db: str | Path,
    agent_name: str,
    number_text: str,
    now: Callable[[], datetime],
    *,
    limit: float = 60.0,
    code: str | None = None,
    show: Callable[[str], None] = print,
    ami: asterisk.AmiConfig | None = None,
) -> str:
    """Run one verification call; the verified E.164 number, or a UserError."""
    async with store.transaction() as repo:
        values = await settings.load(repo)
        attempt = await caller_id.prepare(
            repo, agent_name, number_text, media.directory(values, storage.home(db))
        )
    code = code or caller_id.new_code()
    show(
        f"Calling {attempt.number} from {attempt.shown}. Answer it and key in {code}"
        f" (within {limit:.0f} s)."
    )
    login = ami or asterisk.cli_login(values, "call,user")
    keyed = await asterisk.keyed_code(login, attempt, limit)
    verified = caller_id.checked(attempt, keyed, code)
    async with store.transaction() as repo:
        await repo.caller_id_verified(attempt.agent.id, verified, now())
    return verified


async def use_caller_id(store: Store, agent: str, choice: str) -> tuple[Agent, str | None]:
    async with store.transaction() as repo:
        return await caller_id.use(repo, agent, choice)


async def list_caller_ids(store: Store, agent_name: str) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        agent = await organisation.agent_named(repo, agent_name)
        return [views.caller_id(c) for c in await repo.caller_ids(agent.id)]


async def list_recordings(
    store: Store, contact_number: str | None, limit: int
) -> list[dict[str, Any]]:
    """Recordings and voicemail, newest first, with their contacts' names."""
    async with store.snapshot() as repo:
        found = await recordings.listing(repo, contact_number, limit)
        names = await views.Names.load(repo)
        ids = sorted({r.contact_id for r in found if r.contact_id is not None})
        contacts = {c.id: c.name for c in await repo.contacts_by_ids(ids)}
        return [
            views.recording(r, names, contacts.get(r.contact_id) if r.contact_id else None)
            for r in found
        ]


async def recordings_for(
    store: Store, caller: Caller, contact_id: int | None, limit: int
) -> list[dict[str, Any]]:
    """Recordings and voicemail the caller may hear, newest first (one contact's, or
    all: an agent's own contacts' only)."""
    async with store.snapshot() as repo:
        if contact_id is not None:
            found = await repo.recordings([contact_id], limit)
        elif caller.agent is not None:
            mine = await repo.agent_contacts(caller.agent.id, 10_000)
            found = await repo.recordings([c.id for c in mine], limit)
        else:
            found = await repo.recordings(None, limit)
        ids = sorted({r.contact_id for r in found if r.contact_id is not None})
        contacts = {c.id: c for c in await repo.contacts_by_ids(ids)}
        names = await views.Names.load(repo)
        shown = []
        for r in found:
            contact = contacts.get(r.contact_id) if r.contact_id else None
            if caller.agent is not None and (contact is None or not caller.may_see(contact)):
                continue
            view = views.recording(r, names, contact.name if contact else None)
            view.pop("path")  # where it lies on the server is nobody's business over HTTP
            view["contact_id"] = r.contact_id
            shown.append(view)
        return shown


async def recording_for(store: Store, caller: Caller, recording_id: str) -> Recording:
    """One recording the caller may hear (an agent: of their own contacts)."""
    async with store.snapshot() as repo:
        found = await repo.recording_by_id(recording_id)
        contact = await repo.contact_by_id(found.contact_id) if found and found.contact_id else None
        if found is None or (caller.agent and (contact is None or not caller.may_see(contact))):
            raise NotFound(f"no recording {recording_id!r}")
        return found


async def export_recording(store: Store, recording_id: str, out: Path, force: bool) -> Recording:
    async with store.transaction() as repo:
        found = await recordings.find(repo, recording_id)
    recordings.export(found, out, force)
    return found
