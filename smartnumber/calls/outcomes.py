"""Call outcomes: a call that ended, recorded on its timeline entry (SPEC 3, 5).

The routing service learns that a call ended from the dialplan's hangup handler
(asterisk/events.py reads it); the reconciler learns it from Asterisk's CDR when that
report was lost (reconcile.py). Either way record() completes the call's entry (or adds
one for a call that took the fallback) and keeps its recording or voicemail. A call is
named by its reference: its timeline entry's id, or k<key> for a call written down only
once Asterisk took it (click-to-call). Writes wait out a locked database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .. import logs
from ..errors import StorageBusy
from ..model import Activity, CallOutcome
from ..storage.repository import Contacts, Store
from . import inbound, recordings
from .call_record import KEY_REFERENCE

RETRY_FOR = 60.0  # seconds an outcome waits for a locked database, then the CDR will do

log = logging.getLogger("smartnumber.calls")


@dataclass(frozen=True)
class CallEnded:
    """A call that ended, as the dialplan reported it."""

    reference: str  # '' when the routing service never named the call (fallback)
    outcome: CallOutcome
    did: str = ""
    caller: str = ""  # the caller's number, digits and '+' only
    routing_status: str = ""  # how the call was routed (OK, FALLBACK...), '' if never
    media_id: str = ""  # names its recording and voicemail files
    channel: str = ""  # for the log
    uniqueid: str = ""  # Asterisk's id of the channel: one call, however often reported


async def record(
    store: Store,
    ended: CallEnded,
    media_dir: Path | None,
    now: Callable[[], datetime],
    *,
    fallback_reason: str = "the routing service was not reached",
) -> int | None:
    """Complete the call's timeline entry (or add one for a call that took the fallback,
    explained by `fallback_reason`), and keep its recording or voicemail; the entry id."""
    outcome = ended.outcome

    async def write() -> int | None:
        async with store.transaction() as repo:
            found = await call_to_change(repo, ended.reference)
            if found is not None:
                await inbound.finish_call(repo, found, outcome)
                return found.id
            if ended.reference:
                return None  # a click-to-call whose entry is not written (yet): the CDR tells
            return await inbound.record_unrouted_call(
                repo,
                ended.did,
                ended.caller,
                ended.routing_status or "UNREACHED",
                fallback_reason,
                outcome,
                now(),
                # every service on this Asterisk hears the event: one entry for the call
                call_key=f"fallback-{ended.uniqueid}" if ended.uniqueid else None,
            )

    call_id = await _waiting_out_locks(write)
    if media_dir is not None and ended.media_id:
        kept = await recordings.collect(
            store, media_dir, ended.media_id, call_id, outcome.answered, now()
        )
        for recording in kept:
            logs.event(log, "recording kept", id=recording.id, seconds=recording.seconds)
    logs.event(
        log,
        "call ended",
        call_id=call_id,
        dial_status=outcome.status,
        answered_by=outcome.answered_endpoint or outcome.answered_number,
        talk_seconds=outcome.talk_seconds,
        channel=ended.channel,
    )
    return call_id


async def call_to_change(repo: Contacts, reference: str) -> Activity | None:
    """The timeline entry a call reference names (an id, or k<key>), held for this
    transaction as activity_to_change holds it: one trip."""
    if reference.isdigit():
        return await repo.activity_to_change(int(reference))
    key = KEY_REFERENCE.match(reference)
    return await repo.call_to_change(key[1]) if key else None


async def _waiting_out_locks(write: Callable[[], Awaitable[int | None]]) -> int | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RETRY_FOR
    while True:
        try:
            return await write()
        except StorageBusy:
            if loop.time() >= deadline:
                raise
            await asyncio.sleep(0.5)
