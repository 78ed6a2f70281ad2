"""Reconciling calls from Asterisk's own records: the CDR, and the media directory.

A call's outcome normally arrives as the hangup handler's UserEvent (outcomes.py). When
the AMI link or the service was down at that moment, the event is gone, but Asterisk
still wrote its CDR (one line per CDR, naming the call by its reference: asterisk/cdr.py
reads them) and left any recording or voicemail file in the media directory.
At start and every minute the service reads the CDR lines it has not read yet and
completes each call still waiting for its outcome, then looks for audio files no
recording entry knows and puts them on their call's timeline. Both are idempotent: a
call is finished once, a recording kept once, whichever report comes first.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .. import logs, media
from ..model import CallOutcome, Detail, RecordingKind
from ..storage.repository import Repository, Store
from . import click_to_call, inbound, outcomes, recordings
from .call_record import KEY_REFERENCE, CallToRecord, reference_of_key

log = logging.getLogger("smartnumber.calls")

CDR_OFFSET = "cdr.offset"  # service_state: "<inode>:<bytes read>" of the CDR file
MEDIA_SCANNED = "media.scanned_until"  # service_state: files older than this were seen


def node_key(key: str, path: Path) -> str:
    """A reading position of one host's file: each node's CDR and media directory are its
    own, so services on several nodes sharing the database keep one position each."""
    return f"{key}:{socket.gethostname()}:{path.resolve()}"


SETTLED_SECONDS = 30.0  # an audio file untouched this long is finished
_FILE = re.compile(r"^(rec|vm)-([0-9a-f]{16})\.wav$")


@dataclass(frozen=True)
class CallRecord:
    """What Asterisk's records say of one call (asterisk/cdr.py reads them)."""

    reference: str  # a timeline entry id, or k<key> (outcomes.py)
    media_id: str
    outcome: CallOutcome | None  # None: nobody else was ever dialled (an agent missed it)
    routed: str = ""  # what the call was to write (call_record.py), if it was routed


# Reads the records added since an offset: (records, new offset).
ReadRecords = Callable[[str | None], tuple[list[CallRecord], str]]


@dataclass
class Reconciled:
    calls: int = 0
    recordings: int = 0
    lines: int = 0
    notes: list[str] = field(default_factory=list)


async def from_cdr(
    store: Store,
    read: ReadRecords,
    media_dir: Path,
    now: datetime,
    *,
    position: str = CDR_OFFSET,
    written: Callable[[str], Awaitable[None]] | None = None,
) -> Reconciled:
    """Complete the calls the CDR records read now tell of and that still wait, with their
    recording or voicemail (the CDR is written once the call is over: its files are); a
    routed call the store does not have is written first, from its CDR copy, once this
    service's writer is done with it (`written`, by call key: it may be writing it now).
    `position`: where this node's reading position is kept (node_key)."""
    done = Reconciled()
    finished: list[tuple[int, str, bool]] = []  # call id, media id, answered
    async with store.transaction() as repo:
        offset = await repo.state(position)
    records, new_offset = await asyncio.to_thread(read, offset)
    done.lines = len(records)
    for record in records:
        key = KEY_REFERENCE.match(record.reference)
        if key and record.routed and written is not None:
            await written(key[1])  # outside the transaction: the writer needs the store
    async with store.transaction() as repo:
        for record in records:
            entry = await outcomes.call_to_change(repo, record.reference)
            if entry is None and (call_id := await _written_now(repo, record)) is not None:
                entry = await repo.activity_to_change(call_id)
            if entry is None or entry.detail.get(Detail.STATUS) in inbound.FINISHED:
                continue
            if record.outcome is None:
                await click_to_call.agent_missed(
                    repo, entry.id, "the agent did not answer (from Asterisk's records)"
                )
            else:
                await inbound.finish_call(repo, entry, record.outcome, source="cdr")
                finished.append((entry.id, record.media_id, record.outcome.answered))
            done.calls += 1
            logs.event(log, "call reconciled", call_id=entry.id, source="cdr")
        await repo.set_state(position, new_offset)
    for call_id, media_id, answered in finished:
        if media_id:
            kept = await recordings.collect(store, media_dir, media_id, call_id, answered, now)
            done.recordings += len(kept)
    return done


async def _written_now(repo: Repository, record: CallRecord) -> int | None:
    """A routed call the service answered but never wrote (it stopped first): written
    now from its CDR copy, as the service would have; its entry id."""
    call = CallToRecord.from_text(record.routed) if record.routed else None
    if call is None or record.reference != reference_of_key(call.call_key):
        return None
    call_id = await inbound.record_routed(repo, call)
    logs.event(log, "call written from its CDR", call_id=call_id, call_key=call.call_key)
    return call_id


async def from_media(store: Store, media_dir: Path, now: datetime) -> Reconciled:
    """Put recordings and voicemail no entry knows of on their call's timeline."""
    done = Reconciled()
    position = node_key(MEDIA_SCANNED, media_dir)
    async with store.transaction() as repo:
        seen_until = float(await repo.state(position) or 0)
    files, newest = await asyncio.to_thread(_settled_files, media_dir, seen_until)
    async with store.transaction() as repo:
        known = await repo.recording_ids([path.stem for path in files])
    for path in files:
        if path.stem in known:
            continue
        match = _FILE.match(path.name)
        assert match is not None  # _settled_files only lists these
        kind = RecordingKind.RECORDING if match[1] == "rec" else RecordingKind.VOICEMAIL
        async with store.transaction() as repo:
            call = await repo.activity_by_call_key(match[2])
        kept = await recordings.collect(
            store,
            media_dir,
            match[2],
            call.id if call else None,
            kind is RecordingKind.RECORDING,
            now,
            settled=True,
        )
        done.recordings += len(kept)
        for recording in kept:
            logs.event(log, "recording reconciled", id=recording.id, seconds=recording.seconds)
    async with store.transaction() as repo:
        await repo.set_state(position, str(newest))
    return done


def _settled_files(media_dir: Path, seen_until: float) -> tuple[list[Path], float]:
    """Recording and voicemail files finished since `seen_until` (less an hour's margin),
    and up to when that now holds."""
    settled_before = time.time() - SETTLED_SECONDS
    found = []
    folder = media.recording_dir(media_dir)
    for path in folder.iterdir() if folder.is_dir() else ():
        if not _FILE.match(path.name):
            continue
        mtime = path.stat().st_mtime
        if seen_until - 3600 <= mtime < settled_before:
            found.append(path)
    return sorted(found), max(seen_until, settled_before)
