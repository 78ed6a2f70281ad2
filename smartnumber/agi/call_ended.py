"""AGI(agi://host/call-ended), run from the channel's hangup handler: record the outcome.

Everything comes from what Asterisk reports after Dial: DIALSTATUS, DIALEDPEERNAME,
DIALEDPEERNUMBER and ANSWEREDTIME.
"""

from __future__ import annotations

import logging

from .. import calls, logs
from . import channelvars as var
from .context import HandlerContext
from .server import AgiSession

log = logging.getLogger("smartnumber.calls")


async def handle(session: AgiSession, ctx: HandlerContext) -> None:
    answered = await session.get_variable("ANSWEREDTIME")
    outcome = calls.DialOutcome(
        dial_status=await session.get_variable("DIALSTATUS") or "",
        peer_channel=await session.get_variable("DIALEDPEERNAME") or "",
        peer_number=await session.get_variable("DIALEDPEERNUMBER") or "",
        answered_seconds=int(answered) if answered and answered.isdigit() else None,
    )
    call_id = await session.get_variable(var.CALL) or ""
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
