"""Call outcomes: the hangup handler's AMI UserEvent, recorded on the timeline.

The event carries only what Asterisk reports after Dial (DIALSTATUS, DIALEDPEERNAME,
DIALEDPEERNUMBER, ANSWEREDTIME) plus our own call id, the DID, routing status and media
id, and the caller's number filtered to digits. A call with a media id may have left a
recording or a voicemail (recordings.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from . import calls, logs, recordings
from .agi.channelvars import CALL_ENDED_EVENT
from .agi.context import HandlerContext

log = logging.getLogger("smartnumber.calls")


def is_call_ended(event: Mapping[str, str]) -> bool:
    return event.get("Event") == "UserEvent" and event.get("UserEvent") == CALL_ENDED_EVENT


async def record(event: Mapping[str, str], ctx: HandlerContext) -> None:
    """Complete the call's timeline entry (or add one for a call that took the fallback)."""
    get = {k.lower(): (v or "").strip() for k, v in event.items()}.get
    reason = ctx.fallback_reasons.pop(get("uniqueid", ""), "the routing service was not reached")
    answered = get("answeredtime", "")
    outcome = calls.DialOutcome(
        dial_status=get("dialstatus", ""),
        peer_channel=get("peer", ""),
        peer_number=get("peernumber", ""),
        answered_seconds=int(answered) if answered.isdigit() else None,
    )
    call_id = get("call", "")
    async with ctx.store.transaction() as repo:
        if call_id.isdigit():
            await calls.finish_call(repo, int(call_id), outcome)
        else:
            recorded = await calls.record_unrouted_call(
                repo,
                get("did", ""),
                get("caller", ""),
                get("status", "") or "UNREACHED",
                reason,
                outcome,
                ctx.clock(),
            )
            call_id = str(recorded) if recorded else ""
    if ctx.media is not None and get("media"):
        kept = await recordings.collect(
            ctx.store,
            ctx.media,
            get("media", ""),
            int(call_id) if call_id.isdigit() else None,
            outcome.dial_status == "ANSWER",
            ctx.clock(),
        )
        for recording in kept:
            logs.event(log, "recording kept", id=recording.id, seconds=recording.seconds)
    logs.event(
        log,
        "call ended",
        call_id=call_id or None,
        dial_status=outcome.dial_status,
        peer=outcome.peer_channel,
        talk_seconds=outcome.answered_seconds,
        channel=get("channel"),
    )
