"""Call outcomes: the hangup handler's AMI UserEvent, recorded on the timeline.

The event carries only what Asterisk reports after Dial (DIALSTATUS, DIALEDPEERNAME,
DIALEDPEERNUMBER, ANSWEREDTIME) plus our own call reference (a timeline entry id, or
k<key> for a click-to-call), the DID, routing status and media id, and the caller's
number filtered to digits. A call with a media id may have left a recording or a
voicemail (recordings.py). Writes wait out a locked database; an event lost altogether
(the AMI or the service down at hangup) is made up for from the CDR (reconcile.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping

from .. import logs
from ..asterisk.agi.context import HandlerContext
from ..asterisk.names import CALL_ENDED_EVENT
from ..errors import StorageBusy
from ..storage.repository import Repository
from . import inbound as calls
from . import recordings

RETRY_FOR = 60.0  # seconds an outcome waits for a locked database, then the CDR will do
_KEY_REF = re.compile(r"^k([0-9a-f]{16})$")

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
    reference = get("call", "")

    async def write() -> str:
        async with ctx.store.transaction() as repo:
            found = await call_of(repo, reference)
            if found is not None:
                await calls.finish_call(repo, found, outcome)
                return str(found)
            if reference:
                return ""  # a click-to-call whose entry is not written (yet): the CDR tells
            recorded = await calls.record_unrouted_call(
                repo,
                get("did", ""),
                get("caller", ""),
                get("status", "") or "UNREACHED",
                reason,
                outcome,
                ctx.clock(),
            )
            return str(recorded) if recorded else ""

    call_id = await _waiting_out_locks(write)
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


async def call_of(repo: Repository, reference: str) -> int | None:
    """The timeline entry a call reference names: an id, or k<key> (a click-to-call)."""
    if reference.isdigit():
        return int(reference)
    key = _KEY_REF.match(reference)
    if key:
        found = await repo.activity_by_call_key(key[1])
        return found.id if found else None
    return None


async def _waiting_out_locks(write: Callable[[], Awaitable[str]]) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RETRY_FOR
    while True:
        try:
            return await write()
        except StorageBusy:
            if loop.time() >= deadline:
                raise
            await asyncio.sleep(0.5)
