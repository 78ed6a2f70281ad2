"""The demo's use cases, for `smartnumber demo ...`: load the company, place a test call,
a click-to-call and texts both ways, with sipp phones standing in for everyone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from .. import clock, phone, settings
from ..app import calls as call_cases
from ..app import texting as text_cases
from ..directory import numbers
from ..errors import UserError
from ..model import ActivityKind, TextStatus
from ..storage.repository import Store
from . import data, phones


async def load(store: Store, now: datetime) -> bool:
    """The demo company; False (and nothing changed) when it is there already."""
    async with store.transaction() as repo:
        return await data.load(repo, now)


async def _phones(store: Store) -> tuple[dict[str, str], dict[str, tuple[str, int]]]:
    """The settings, and a loopback address for each agent a sipp phone can answer for."""
    async with store.transaction() as repo:
        values = await settings.load(repo)
        agents = [(a.name, a.sip_contact) for a in await repo.list_agents()]
    return values, phones.loopback_phones(agents)


async def call(
    store: Store, number: str, caller: str, said: Callable[[str], None]
) -> phones.DemoCall:
    """A caller on the trunk calls `number`; sipp phones answer for the demo agents."""
    e164, caller_id = phone.to_e164(number), phone.to_e164(caller)
    async with store.transaction() as repo:
        await numbers.number_called(repo, e164)
    values, answering = await _phones(store)
    said(
        f"calling {e164} from {caller_id} through {values['sip.bind']}:{values['sip.port']}"
        f" (phones up for {', '.join(answering)})"
    )
    started = clock.now() - timedelta(seconds=1)
    placed = await phones.call(values, answering, e164, caller_id)
    if placed.answered_by is None and placed.caller_ok:
        # Not a demo phone: a softphone registered as an agent, voicemail or a forward.
        # The timeline says which, once the service has written the outcome.
        return replace(placed, answered_by=await _who_answered(store, caller_id, started))
    return placed


async def _who_answered(
    store: Store, caller: str, since: datetime, within: float = 5.0
) -> str | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        async with store.snapshot() as repo:
            contacts = [c.id for c in await repo.contacts_by_phone(caller)]
            entries = await repo.timeline(contacts, 5) if contacts else []
        calls = [a for a in entries if a.kind is ActivityKind.CALL and a.at >= since]
        if calls and calls[0].detail.get("said"):  # its outcome is in
            return str(calls[0].detail.get("answered_by") or calls[0].detail["said"])
        if loop.time() > deadline:
            return None
        await asyncio.sleep(0.2)


async def click_to_call(
    store: Store,
    agent: str,
    number: str,
    now: Callable[[], datetime],
    on_start: Callable[[str], None],
    on_stage: Callable[[call_cases.Stage, str], None],
    on_note: Callable[[str], None],
) -> call_cases.Placed:
    """`call AGENT NUMBER --wait` with sipp phones answering for the demo agents and a
    contact on the trunk who answers and hangs up after 3 s."""
    values, answering = await _phones(store)
    return await call_cases.click_to_call_contact(
        store,
        agent,
        number,
        "endpoint",
        now,
        lambda plan: on_start(plan.summary),
        on_stage,
        on_note,
        wait=True,
        ring_seconds=15,
        around=lambda: phones.phones_up(values, answering),
    )


async def texts(
    store: Store, sender: str, number: str, message: str, now: Callable[[], datetime]
) -> list[tuple[str, str, str, str]]:
    """A phone on the trunk texts `number` (forwarded to the owning agent's cell), then
    that agent answers through smartnumber; what the carrier's side received."""
    contact = phone.to_e164(sender)
    async with store.transaction() as repo:
        values = await settings.load(repo)
        found = await repo.contacts_by_phone(contact)
        owner = found[0].owner_agent_id if found else None
        agent = await repo.agent_by_id(owner) if owner else None
    if agent is None:
        raise UserError(f"{contact} is not a demo contact with an owner")

    async def reply() -> None:  # what `text send` does, inside this event loop
        result = await text_cases.send_text(
            store, agent.name, contact, "Yes! See it at 5?", now(), anyway=False, wait_seconds=15
        )
        if result.state is None:
            raise UserError(result.sent.refused or result.sent.warning or "not sent")
        if result.state.status is not TextStatus.SENT:
            raise UserError(
                f"the reply was not sent ({result.state.status.value}): is `serve` running?"
            )

    return await phones.text_round_trip(store, values, number, contact, message, reply)
