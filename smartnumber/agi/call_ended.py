"""AGI(agi://host/call-ended), run from the channel's hangup handler: record the outcome.

Everything comes from what Asterisk reports after Dial: DIALSTATUS, DIALEDPEERNAME,
DIALEDPEERNUMBER and ANSWEREDTIME, passed with SMARTNUMBER_CALL as AGI arguments 1-5
(read as channel variables when a template does not pass them).
"""

from __future__ import annotations

import logging

from .. import calls, logs
from . import channelvars as var
from .context import HandlerContext
from .server import AgiSession

log = logging.getLogger("smartnumber.calls")


async def handle(session: AgiSession, ctx: HandlerContext) -> None:
    call_id = await session.arg_or_variable(1, var.CALL) or ""
    answered = await session.arg_or_variable(5, "ANSWEREDTIME")
    outcome = calls.DialOutcome(
        dial_status=await session.arg_or_variable(2, "DIALSTATUS") or "",
        peer_channel=await session.arg_or_variable(3, "DIALEDPEERNAME") or "",
        peer_number=await session.arg_or_variable(4, "DIALEDPEERNUMBER") or "",
        answered_seconds=int(answered) if answered and answered.isdigit() else None,
    )
    async with ctx.store.transaction() as repo:
        if call_id.isdigit():
            await calls.finish_call(repo, int(call_id), outcome)
        else:
            did = await session.get_variable(var.DID) or ""
            status = await session.get_variable(var.STATUS) or "UNREACHED"
            reason = await session.get_variable(var.REASON) or ""
            recorded = await calls.record_unrouted_call(
                repo,
                did,
                session.headers.get("agi_callerid", ""),
                status,
                reason,
                outcome,
                ctx.clock(),
            )
            call_id = str(recorded) if recorded else ""
    logs.event(
        log,
        "call ended",
        call_id=call_id or None,
        dial_status=outcome.dial_status,
        peer=outcome.peer_channel,
        talk_seconds=outcome.answered_seconds,
        channel=session.headers.get("agi_channel"),
    )
