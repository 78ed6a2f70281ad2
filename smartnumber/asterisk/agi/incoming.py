"""AGI(agi://host/incoming): whom does this call to a Smart Number ring?

Reads the DID (AGI argument 1, else SMARTNUMBER_DID) and the caller ID. Answers in one
variable, SMARTNUMBER_ANSWER (answer.py; names.AnswerField): the status and the reason;
when routed also the agents' phones to dial, the ring time, the call's timeline entry,
and as the number's settings say: the external number rung after the agents, the caller
ID shown instead of the caller's (with its CNAM name), the media id with record and/or
voicemail, the whisper and consent prompt keys (only when the prompt's file is there).
Everything comes from the database or is generated here. Past the time budget or on any
error: FALLBACK, and the dialplan dials the number's fallback.
"""

from __future__ import annotations

import asyncio
import logging
import time

from ... import logs, media, phone
from ...calls import inbound as calls
from ...errors import UserError
from .. import dial
from .. import names as var
from ..names import Status
from . import answer
from .context import HandlerContext
from .server import AgiSession

log = logging.getLogger("smartnumber.calls")
_unfinished: set[asyncio.Task[calls.RoutedCall | None]] = set()  # cancelled, still rolling back


async def handle(session: AgiSession, ctx: HandlerContext) -> None:
    did = await session.arg_or_variable(1, var.DID) or ""
    caller_raw = session.headers.get("agi_callerid", "")
    if not phone.is_e164(did):
        await _answer(session, ctx, Status.ERROR, f"{var.DID} is not an E.164 number")
        return

    # The budget counts from when Asterisk asked: a call that waited for its turn in a
    # burst has less left. Past it, the call takes the fallback.
    loop = asyncio.get_running_loop()
    deadline = asked_at(session)[0] + ctx.routing_budget

    async def route() -> calls.RoutedCall | None:
        async with ctx.decisions.turn(deadline) as admitted:
            if not admitted:
                return None
            return await calls.route_call(ctx.store, did, caller_raw, ctx.clock())

    # Not asyncio.wait_for: it would wait for the cancelled work to wind down (a locked
    # database can take seconds), and the caller would hear that silence.
    task = asyncio.create_task(route())
    # At least a moment: a call past its budget already is answered by route() itself.
    done, _ = await asyncio.wait({task}, timeout=max(0.001, deadline - loop.time()))
    if not done:
        task.cancel()  # rolls back by itself; nothing of this decision is kept
        _unfinished.add(task)
        task.add_done_callback(_unfinished.discard)
        await _too_late(session, ctx, did, caller_raw)
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
    if routed is None:  # its turn did not come within the budget
        await _too_late(session, ctx, did, caller_raw)
        return
    if routed.to_record is not None:  # written right after the answer, in a batch
        ctx.writes.add(routed.to_record)
    decision = routed.decision
    notes = list(routed.notes)
    fields: dict[str, object] = {
        "did": did,
        "caller": caller_raw,
        "decision": decision.as_dict(),
        "notes": notes,
    }
    try:
        targets = dial.dial_string(routed.rings)
        forward = dial.target(routed.forward_ring) if routed.forward_ring else ""
    except UserError as exc:  # never expected: the rings come from the database
        await _answer(session, ctx, Status.FALLBACK, str(exc)[:200], None, **fields)
        return
    if not targets and not routed.forward:
        await _answer(session, ctx, Status.FALLBACK, decision.reason, None, **fields)
        return
    whisper, consent = (
        key if key and _prompt_ready(ctx, key, notes) else ""
        for key in (routed.whisper_prompt, routed.consent_prompt)
    )
    await _answer(
        session,
        ctx,
        Status.OK,
        decision.reason,
        {
            "call": routed.reference,
            "routed": routed.to_record.as_text() if routed.to_record else "",
            "timeout": str(routed.ring_seconds),
            "dial": targets,
            "forward": forward,
            "callerid": routed.show_number,
            "callername": routed.show_name if routed.show_number else "",
            "media_id": routed.media_id,
            "record": "1" if routed.record else "",
            "voicemail": "1" if routed.voicemail else "",
            "whisper": whisper,
            "consent": consent,
        },
        dial=targets,
        forward=routed.forward,
        call=routed.reference,
        **fields,
    )


async def _too_late(session: AgiSession, ctx: HandlerContext, did: str, caller: str) -> None:
    reason = f"routing took longer than {ctx.routing_budget * 1000:.0f} ms"
    await _answer(session, ctx, Status.FALLBACK, reason, did=did, caller=caller)


CLOCKS_APART = 5.0  # seconds: an ask time further back (or ahead) is a clock, not a queue


def asked_at(session: AgiSession) -> tuple[float, str]:
    """When Asterisk asked, on the event loop's clock, and whose clock said so: AGI
    argument 2 (Asterisk's time, seconds since the epoch) when it is there and
    believable, else when the connection was accepted ('service')."""
    try:
        sent = float(session.headers.get("agi_arg_2", ""))
    except ValueError:
        return session.asked_at, "service"
    ago = time.time() - sent
    if not -0.1 <= ago <= CLOCKS_APART:  # not a time, or another host's clock is off
        return session.asked_at, "service"
    loop = asyncio.get_running_loop()
    return min(session.asked_at, loop.time() - max(0.0, ago)), "asterisk"


def _prompt_ready(ctx: HandlerContext, key: str, notes: list[str]) -> bool:
    """Is the prompt's file there? If not (media directory wiped or moved) the call goes on
    without it, and the log says how to make it again."""
    if ctx.media is not None and media.prompt_path(ctx.media, key).exists():
        return True
    notes.append(f"prompt {key} missing: set it again with `number config`")
    return False


async def overloaded(session: AgiSession) -> None:
    """A session past the server's cap: the dialplan takes the number's fallback at once."""
    await session.set_variable(
        var.ANSWER, answer.encode(Status.FALLBACK, "the routing service is at its session limit")
    )


async def _answer(
    session: AgiSession,
    ctx: HandlerContext,
    status: str,
    reason: str,
    routed: dict[str, str] | None = None,
    **fields: object,
) -> None:
    """Answer in one SET VARIABLE: the status, the reason and, for a routed call, `routed`
    (the other fields of answer.encode)."""
    try:
        said = answer.encode(status, reason, **(routed or {}))
    except ValueError as exc:  # never expected: every field comes from the database or here
        status, reason = Status.FALLBACK, str(exc)[:200]
        said = answer.encode(status, reason)
    if status != Status.OK:  # kept for the timeline entry made when the call ends
        ctx.remember_fallback(session.headers.get("agi_uniqueid", ""), reason)
    await session.set_variable(var.ANSWER, said)
    asked, clock = asked_at(session)
    logs.event(
        log,
        "call routed",
        status=status,
        reason=reason,
        channel=session.headers.get("agi_channel"),
        # from when Asterisk asked to this answer, and whose clock said when that was
        answered_after_ms=round((asyncio.get_running_loop().time() - asked) * 1000, 1),
        asked_clock=clock,
        **fields,
    )
