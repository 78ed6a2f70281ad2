"""What Asterisk tells about a call, in the product's words.

The hangup handler's UserEvent ([smartnumber-call-ended]) carries what Asterisk reports
after Dial: DIALSTATUS, DIALEDPEERNAME (the answering channel, PJSIP/bob-00000001 or
PJSIP/trunk-0000000a or Local/+1...@smartnumber-connect-...;1), DIALEDPEERNUMBER,
ANSWEREDTIME; plus the call's reference, the DID, how it was routed, its media id and
the caller's number (filtered to digits). dial_outcome() turns the channel syntax into
who answered: an agent's endpoint, or a number through the trunk.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..calls import outcomes
from ..calls.call_record import KEY_REFERENCE
from ..calls.outcomes import CallEnded
from ..model import CallOutcome
from . import names
from .agi.context import HandlerContext


def dial_outcome(
    dial_status: str, peer_channel: str, peer_number: str, answered_time: int | None
) -> CallOutcome:
    """A Dial's result: who answered (an endpoint, or a number through the trunk)."""
    answered = dial_status == "ANSWER"
    through_trunk = peer_channel.startswith((f"PJSIP/{names.TRUNK}-", "Local/"))
    endpoint = peer_channel.rsplit("-", 1)[0] if answered and not through_trunk else None
    number = peer_number.split("@", 1)[0] if answered and through_trunk else None
    return CallOutcome(
        status=dial_status,
        answered_endpoint=endpoint or None,
        answered_number=number or None,
        talk_seconds=answered_time if answered else None,
    )


def is_call_ended(event: Mapping[str, str]) -> bool:
    """Is this the hangup handler's UserEvent?"""
    return event.get("Event") == "UserEvent" and event.get("UserEvent") == names.CALL_ENDED_EVENT


def call_ended(event: Mapping[str, str]) -> CallEnded | None:
    """The call the hangup handler's UserEvent reports; None for any other event."""
    if not is_call_ended(event):
        return None
    get = {k.lower(): (v or "").strip() for k, v in event.items()}.get
    answered = get("answeredtime", "")
    return CallEnded(
        reference=get("call", ""),
        outcome=dial_outcome(
            get("dialstatus", ""),
            get("peer", ""),
            get("peernumber", ""),
            int(answered) if answered.isdigit() else None,
        ),
        did=get("did", ""),
        caller=get("caller", ""),
        routing_status=get("status", ""),
        media_id=get("media", ""),
        channel=get("channel", ""),
        uniqueid=get("uniqueid", "")[:64],
    )


async def report(event: Mapping[str, str], ctx: HandlerContext) -> int | None:
    """Record the call the hangup handler's UserEvent reports (calls/outcomes.py), with
    why it took the fallback if the routing handler said so; its entry id."""
    ended = call_ended(event)
    if ended is None:
        return None
    key = KEY_REFERENCE.match(ended.reference)
    if key:  # a call answered a moment ago: its record may still be on its way
        await ctx.writes.written(key[1])
    why = ctx.fallback_reasons.pop(event.get("Uniqueid", ""), None)
    extra = {"fallback_reason": why} if why else {}
    return await outcomes.record(ctx.store, ended, ctx.media, ctx.clock, **extra)
