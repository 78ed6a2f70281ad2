"""Use cases of calls: number routing and call handling, route explain, click-to-call,
caller-ID verification, recordings. Each takes the store (and Asterisk's AMI where it
places a call) and returns model objects or view dicts (views.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import logs, media, settings, storage
from ..access import Caller
from ..asterisk import originate, verify_call
from ..asterisk.ami import AmiConfig
from ..calls import caller_id, click_to_call, handling, inbound, outcome_words, recordings
from ..directory import organisation
from ..errors import NotFound, UserError
from ..model import Agent, CallHandling, Recording, RoutingMode, SmartNumber
from ..storage.repository import Store
from ..texting.carriers import registry
from ..webhooks import events
from . import views

# What a click-to-call in progress reports (the CLI prints each stage as it comes).
Plan = click_to_call.Plan
log = logging.getLogger("smartnumber.calls")

Stage = originate.Stage
Follow = originate.Follow
AGENT_RING_SECONDS = click_to_call.AGENT_RING_SECONDS


def cli_ami(values: Mapping[str, str], events: str) -> AmiConfig:
    """The CLI's own AMI login (ami.cli_username): it may originate, not read system events."""
    return AmiConfig(
        values["ami.bind"],
        int(values["ami.port"]),
        values["ami.cli_username"],
        values["ami.cli_secret"],
        events=events,
    )


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


async def click_to_call_contact(
    store: Store,
    agent: str,
    number: str,
    via: str | None,
    now: Callable[[], datetime],
    on_plan: Callable[[click_to_call.Plan], None],
    on_stage: Callable[[originate.Stage, str], None],
    on_note: Callable[[str], None],
    *,
    wait: bool,
    ring_seconds: int,
    around: Callable[[], AbstractAsyncContextManager[None]] | None = None,
) -> originate.Follow:
    """Click-to-call: plan it (checked, nothing written; `on_plan` shows it), place it
    and follow it (`around`: what must be up meanwhile, e.g. the demo's phones). The call
    is written down only once Asterisk took it; an agent who did not answer is noted.
    Raises UserError when the contact was never called."""
    plan = await plan_click_to_call(store, agent, number, via, now())
    on_plan(plan)
    return await place_click_to_call(
        store, plan, now, on_stage, on_note, wait=wait, ring_seconds=ring_seconds, around=around
    )


def contact_outcome(plan: click_to_call.Plan, follow: originate.Follow) -> str:
    """What the contact's leg came to, in the words the timeline uses."""
    return outcome_words.click_to_call(
        follow.contact_status or "", agent=plan.agent, contact=plan.contact_name
    ).sentence


async def plan_click_to_call(
    store: Store, agent: str, number: str, via: str | None, at: datetime
) -> click_to_call.Plan:
    """Check the agent and the number and choose what the contact sees; writes nothing."""
    async with store.snapshot() as repo:
        return await click_to_call.plan(repo, agent, number, via, at)


async def place_click_to_call(
    store: Store,
    plan: click_to_call.Plan,
    now: Callable[[], datetime],
    on_stage: Callable[[originate.Stage, str], None],
    on_note: Callable[[str], None],
    *,
    wait: bool,
    ring_seconds: int,
    around: Callable[[], AbstractAsyncContextManager[None]] | None = None,
    on_taken: Callable[[int], None] | None = None,
) -> originate.Follow:
    """Place a planned click-to-call and follow it (see click_to_call_contact);
    `on_taken` hears the timeline entry's id once Asterisk has taken the call."""
    async with store.transaction() as repo:
        ami = cli_ami(await settings.load(repo), "call")

    async def taken() -> int:
        async with store.transaction() as repo:
            call_id = await click_to_call.accepted(repo, plan, now())
        if on_taken is not None:
            on_taken(call_id)
        return call_id

    async with around() if around else contextlib.nullcontext():
        follow = await originate.place(
            ami, plan, on_stage, on_note, taken=taken, wait=wait, ring_seconds=ring_seconds
        )
    if follow.failure and follow.call_id is not None:
        async with store.transaction() as repo:
            await click_to_call.agent_missed(repo, follow.call_id, follow.failure)
    if follow.failure:
        raise UserError(f"{follow.failure}; {plan.contact} was not called")
    return follow


async def start_click_to_call(
    store: Store,
    caller: Caller,
    agent: str | None,
    number: str,
    via: str | None,
    now: Callable[[], datetime],
) -> tuple[dict[str, Any], Callable[[], Coroutine[Any, Any, None]]]:
    """Click-to-call for the HTTP API: checked and planned now (errors are the caller's
    answer), placed by the returned coroutine, whose every stage is published as a
    click_to_call.progress event (the CRM follows the call by its webhooks)."""
    async with store.snapshot() as repo:
        named = await organisation.agent_named(repo, agent) if agent else None
        acting = caller.acting_agent(named)
        await caller.check_number(repo, number)
    plan = await plan_click_to_call(store, acting.name, number, via, now())
    view = {
        "call_id": plan.call_key,
        "agent": plan.agent,
        "to": plan.contact,
        "caller_id": plan.caller_id,
        "status": "placing",
    }

    published: list[str] = []  # the stages published, for the log

    async def publish(stage: str, detail: str, call_id: int | None) -> None:
        async with store.transaction() as repo:  # the write lock: call.ended waits, or we do
            call = await repo.activity_by_id(call_id) if call_id is not None else None
            if call is not None and click_to_call.outcome_known(call):
                return  # call.ended is out: it says how the call ended, and comes last
            published.append(stage)
            await events.publish(
                repo,
                events.CLICK_TO_CALL_PROGRESS,
                view | {"status": stage, "detail": detail},
                at=now(),
                # in the contact's queue, as call.ended: a receiver gets them in order
                contact_id=call.contact_id if call is not None else None,
                agent_id=plan.agent_id,
            )

    async def place() -> None:
        stages: asyncio.Queue[tuple[str, str] | None] = asyncio.Queue()
        entry: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()

        async def publisher() -> None:  # one at a time, in the order they came
            while (stage := await stages.get()) is not None:
                # Asterisk's first events may come before the call is written down: they
                # wait for it (or for the end, when Asterisk never took the call).
                await publish(*stage, await entry)

        def taken(call_id: int | None) -> None:
            if not entry.done():
                entry.set_result(call_id)

        publishing = asyncio.create_task(publisher())
        try:
            await place_click_to_call(
                store,
                plan,
                now,
                lambda stage, detail: stages.put_nowait((stage.value, detail)),
                lambda note: stages.put_nowait(("note", note)),
                wait=True,
                ring_seconds=AGENT_RING_SECONDS,
                on_taken=taken,
            )
        except UserError as exc:
            stages.put_nowait(("failed", str(exc)))
        finally:
            taken(None)
            stages.put_nowait(None)
            await publishing
            logs.event(log, "click-to-call over", call_id=plan.call_key, published=published)

    return view, place


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
    ami: AmiConfig | None = None,
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
    keyed = await verify_call.keyed_code(ami or cli_ami(values, "call,user"), attempt, limit)
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
