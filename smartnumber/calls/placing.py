"""Placing a click-to-call through the CallPlacer port, and the requests the HTTP API
kept for a routing service to place.

The CLI places its own calls (its user watches each stage). A CRM's POST /v1/calls is
kept as a request (call_requests); whichever routing service claims it -- any node's --
places it and publishes each stage as a click_to_call.progress event, the outcome coming
as call.ended. A request is claimed for good, so placed at most once: an Originate that
may have reached Asterisk is never sent again. One nobody claimed within
click_to_call.REQUEST_EXPIRES is not placed: the CRM hears it failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from .. import logs
from ..errors import UserError
from ..model import CallRequest
from ..storage.repository import Store
from ..webhooks import events
from . import click_to_call
from .click_to_call import CallPlacer, Placed, Plan, Stage

log = logging.getLogger("smartnumber.calls")
CLAIM_BATCH = 20


async def place(
    store: Store,
    placer: CallPlacer,
    plan: Plan,
    now: Callable[[], datetime],
    on_stage: Callable[[Stage, str], None],
    on_note: Callable[[str], None],
    *,
    wait: bool,
    ring_seconds: int,
    on_taken: Callable[[int], None] | None = None,
) -> Placed:
    """Place a planned call and follow it: written down once the PBX took it (accepted),
    an agent who did not answer noted (agent_missed). UserError when it was not placed."""

    async def taken() -> int:
        async with store.transaction() as repo:
            call_id = await click_to_call.accepted(repo, plan, now())
        if on_taken is not None:
            on_taken(call_id)
        return call_id

    placed = await placer.place(
        plan, on_stage, on_note, taken=taken, wait=wait, ring_seconds=ring_seconds
    )
    if placed.failure and placed.call_id is not None:
        async with store.transaction() as repo:
            await click_to_call.agent_missed(repo, placed.call_id, placed.failure)
    if placed.failure:
        raise UserError(f"{placed.failure}; {plan.contact} was not called")
    return placed


def request_view(plan: Plan) -> dict[str, str]:
    """What the API answers for a request, and what each progress event carries."""
    return {
        "call_id": plan.call_key,
        "agent": plan.agent,
        "to": plan.contact,
        "caller_id": plan.caller_id,
        "status": "placing",
    }


async def request(store: Store, plan: Plan, now: datetime) -> dict[str, str]:
    """Keep a planned call for a routing service to place; the API's answer."""
    async with store.transaction() as repo:
        await repo.request_call(plan.call_key, click_to_call.plan_record(plan), now)
    return request_view(plan)


async def claim_requested(
    store: Store, worker: str, now: Callable[[], datetime]
) -> list[CallRequest]:
    """Requests this worker now places (claimed for good); those that waited too long are
    settled as expired here, each with its click_to_call.progress "failed"."""
    async with store.transaction() as repo:
        claimed = await repo.claim_call_requests(worker, now(), CLAIM_BATCH)
    ready = []
    for found in claimed:
        at = now()
        if not click_to_call.expired(found.requested_at, at):
            ready.append(found)
            continue
        plan = click_to_call.plan_from_record(found.plan)
        waited = (at - found.requested_at).total_seconds()
        why = f"no routing service placed the call within {waited:.0f} s; it was not placed"
        await Progress(store, plan, now).publish("failed", why, None)
        await _done(store, found, f"expired: {why}", at)
        logs.event(log, "click-to-call expired", call_id=found.call_key, waited_s=round(waited))
    return ready


async def place_requested(
    store: Store, placer: CallPlacer, found: CallRequest, now: Callable[[], datetime]
) -> None:
    """Place one claimed request and follow it to its end, publishing every stage."""
    plan = click_to_call.plan_from_record(found.plan)
    progress = Progress(store, plan, now)
    stages: asyncio.Queue[tuple[str, str] | None] = asyncio.Queue()
    entry: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()

    async def publisher() -> None:  # one at a time, in the order they came
        while (stage := await stages.get()) is not None:
            # The PBX's first events may come before the call is written down: they wait
            # for it (or for the end, when the PBX never took the call).
            await progress.publish(*stage, await entry)

    def taken(call_id: int | None) -> None:
        if not entry.done():
            entry.set_result(call_id)

    publishing = asyncio.create_task(publisher())
    outcome = "placed"
    try:
        await place(
            store,
            placer,
            plan,
            now,
            lambda stage, detail: stages.put_nowait((stage.value, detail)),
            lambda note: stages.put_nowait(("note", note)),
            wait=True,
            ring_seconds=click_to_call.AGENT_RING_SECONDS,
            on_taken=taken,
        )
    except UserError as exc:
        outcome = f"failed: {exc}"
        stages.put_nowait(("failed", str(exc)))
    finally:
        taken(None)
        stages.put_nowait(None)
        await publishing
        await _done(store, found, outcome, now())
        logs.event(log, "click-to-call over", call_id=plan.call_key, published=progress.published)


async def _done(store: Store, found: CallRequest, outcome: str, at: datetime) -> None:
    async with store.transaction() as repo:
        await repo.call_request_done(found.id, outcome, at)


class Progress:
    """Publishes one call's stages as click_to_call.progress, in the contact's queue (as
    call.ended is: a receiver gets them in order), none after call.ended."""

    def __init__(self, store: Store, plan: Plan, now: Callable[[], datetime]) -> None:
        self.store, self.plan, self.now = store, plan, now
        self.view = request_view(plan)
        self.published: list[str] = []  # the stages published, for the log

    async def publish(self, stage: str, detail: str, call_id: int | None) -> None:
        async with self.store.transaction() as repo:  # the write lock: call.ended waits, or we do
            call = await repo.activity_to_change(call_id) if call_id is not None else None
            if call is not None and click_to_call.outcome_known(call):
                return  # call.ended is out: it says how the call ended, and comes last
            self.published.append(stage)
            await events.publish(
                repo,
                events.CLICK_TO_CALL_PROGRESS,
                self.view | {"status": stage, "detail": detail},
                at=self.now(),
                contact_id=call.contact_id if call is not None else None,
                agent_id=self.plan.agent_id,
            )
