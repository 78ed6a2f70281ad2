"""AGI(agi://host/incoming): whom does this call to a Smart Number ring?

Reads the DID (AGI argument 1, else SMARTNUMBER_DID) and the caller ID. Sets
SMARTNUMBER_STATUS and SMARTNUMBER_REASON; when routed also SMARTNUMBER_DIAL (agents'
phones), SMARTNUMBER_TIMEOUT, SMARTNUMBER_CALL (its timeline entry), and as the number's
settings say: SMARTNUMBER_FORWARD (the external number, rung after the agents),
SMARTNUMBER_CALLERID (shown instead of the caller's), SMARTNUMBER_MEDIA_ID with
SMARTNUMBER_RECORD and/or SMARTNUMBER_VOICEMAIL, SMARTNUMBER_WHISPER and
SMARTNUMBER_CONSENT (prompt keys, set only when the prompt's file is there). Everything
comes from the database or is generated here. Past the time budget or on any error:
FALLBACK, and the dialplan dials the number's fallback.
"""

from __future__ import annotations

import asyncio
import logging

from ... import logs, media, phone
from ...calls import inbound as calls
from ...errors import UserError
from .. import dial
from .. import names as var
from ..names import Status
from .context import HandlerContext
from .server import AgiSession

log = logging.getLogger("smartnumber.calls")
_unfinished: set[asyncio.Task[calls.RoutedCall]] = set()  # cancelled, still rolling back


async def handle(session: AgiSession, ctx: HandlerContext) -> None:
    did = await session.arg_or_variable(1, var.DID) or ""
    caller_raw = session.headers.get("agi_callerid", "")
    if not phone.is_e164(did):
        await _answer(session, ctx, Status.ERROR, f"{var.DID} is not an E.164 number")
        return

    async def route() -> calls.RoutedCall:
        async with ctx.store.transaction() as repo:
            return await calls.route_incoming(repo, did, caller_raw, ctx.clock())

    # Not asyncio.wait_for: it would wait for the cancelled work to wind down (a locked
    # database can take seconds), and the caller would hear that silence.
    task = asyncio.create_task(route())
    done, _ = await asyncio.wait({task}, timeout=ctx.routing_budget)
    if not done:
        task.cancel()  # rolls back by itself; nothing of this decision is kept
        _unfinished.add(task)
        task.add_done_callback(_unfinished.discard)
        reason = f"routing took longer than {ctx.routing_budget * 1000:.0f} ms"
        await _answer(session, ctx, Status.FALLBACK, reason, did=did, caller=caller_raw)
        return
    try:
        routed = task.result()
    except Exception as exc:  # storage down, bad data: the caller must still be connected
        log.exception("routing failed")
        await _answer(
            session,
            ctx,
            Status.FALLBACK,
            f"routing failed: {exc}"[:200],
            did=did,
            caller=caller_raw,
        )
        return
    decision = routed.decision
    notes = list(routed.notes)
    fields = {"did": did, "caller": caller_raw, "decision": decision.as_dict(), "notes": notes}
    try:
        targets = dial.dial_string(routed.rings)
        forward = dial.target(routed.forward_ring) if routed.forward_ring else ""
    except UserError as exc:  # never expected: the rings come from the database
        await _answer(session, ctx, Status.FALLBACK, str(exc)[:200], **fields)
        return
    if not targets and not routed.forward:
        await _answer(session, ctx, Status.FALLBACK, decision.reason, **fields)
        return
    await session.set_variable(var.DIAL, targets)
    await session.set_variable(var.TIMEOUT, str(routed.ring_seconds))
    if forward:
        await session.set_variable(var.FORWARD, forward)
    if routed.show_number:
        await session.set_variable(var.CALLERID, routed.show_number)
    if routed.show_number and routed.show_name:
        await session.set_variable(var.CALLERNAME, routed.show_name)
    if routed.call_id is not None:
        await session.set_variable(var.CALL, str(routed.call_id))
    if routed.media_id:
        await session.set_variable(var.MEDIA_ID, routed.media_id)
    for name, on in ((var.RECORD, routed.record), (var.VOICEMAIL, routed.voicemail)):
        if on:
            await session.set_variable(name, "1")
    for name, key in ((var.WHISPER, routed.whisper_prompt), (var.CONSENT, routed.consent_prompt)):
        if key and _prompt_ready(ctx, key, notes):
            await session.set_variable(name, key)
    await _answer(
        session,
        ctx,
        Status.OK,
        decision.reason,
        dial=targets,
        forward=routed.forward,
        call_id=routed.call_id,
        **fields,
    )


def _prompt_ready(ctx: HandlerContext, key: str, notes: list[str]) -> bool:
    """Is the prompt's file there? If not (media directory wiped or moved) the call goes on
    without it, and the log says how to make it again."""
    if ctx.media is not None and media.prompt_path(ctx.media, key).exists():
        return True
    notes.append(f"prompt {key} missing: set it again with `number config`")
    return False


async def _answer(
    session: AgiSession, ctx: HandlerContext, status: str, reason: str, **fields: object
) -> None:
    if status != Status.OK:  # kept for the timeline entry made when the call ends
        ctx.remember_fallback(session.headers.get("agi_uniqueid", ""), reason)
    await session.set_variable(var.STATUS, status)
    await session.set_variable(var.REASON, reason)
    logs.event(
        log,
        "call routed",
        status=status,
        reason=reason,
        channel=session.headers.get("agi_channel"),
        **fields,
    )
