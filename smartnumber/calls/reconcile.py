"""Reconciling calls from Asterisk's own records: the CDR, and the media directory.

A call's outcome normally arrives as the hangup handler's UserEvent (outcomes.py). When
the AMI link or the service was down at that moment, the event is gone, but Asterisk
still wrote its CDR (cdr_custom.conf: one CSV line per CDR, with our sn_call and
sn_media variables) and left any recording or voicemail file in the media directory.
At start and every minute the service reads the CDR lines it has not read yet and
completes each call still waiting for its outcome, then looks for audio files no
recording entry knows and puts them on their call's timeline. Both are idempotent: a
call is finished once, a recording kept once, whichever report comes first.
"""

from __future__ import annotations

import asyncio
import csv
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .. import logs, media
from ..model import RecordingKind
from ..storage.repository import Store
from . import click_to_call as clicktocall
from . import inbound as calls
from . import outcomes, recordings

log = logging.getLogger("smartnumber.calls")

CDR_OFFSET = "cdr.offset"  # service_state: "<inode>:<bytes read>" of the CDR file
MEDIA_SCANNED = "media.scanned_until"  # service_state: files older than this were seen
SETTLED_SECONDS = 30.0  # an audio file untouched this long is finished
DISPOSITIONS = {  # CDR disposition -> the DIALSTATUS the hangup handler would have said
    "ANSWERED": "ANSWER",
    "NO ANSWER": "NOANSWER",
    "BUSY": "BUSY",
    "FAILED": "CHANUNAVAIL",
    "CONGESTION": "CONGESTION",
}
_FILE = re.compile(r"^(rec|vm)-([0-9a-f]{16})\.wav$")


@dataclass(frozen=True)
class CdrLine:
    """One CDR of a call smartnumber routed or placed (cdr_custom.conf's columns)."""

    call: str  # sn_call: a timeline entry id, or k<key> for a click-to-call
    media: str  # sn_media
    disposition: str
    billsec: int
    dstchannel: str


@dataclass
class Reconciled:
    calls: int = 0
    recordings: int = 0
    lines: int = 0
    notes: list[str] = field(default_factory=list)


def read_cdr(path: Path, offset: str | None) -> tuple[list[CdrLine], str]:
    """The whole lines added to the CDR file since `offset` ("<inode>:<bytes>"), and the
    new offset. A file replaced (rotated) or shorter than before is read from its start."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return [], offset or ""
    inode, _, done = (offset or "").partition(":")
    start = int(done) if inode == str(stat.st_ino) and done.isdigit() else 0
    if start > stat.st_size:
        start = 0
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read()
    whole = data[: data.rfind(b"\n") + 1]  # a line still being written waits for next time
    rows = csv.reader(whole.decode("utf-8", "replace").splitlines())
    lines = [_cdr_line(row) for row in rows if len(row) >= 5 and row[0]]
    return [line for line in lines if line is not None], f"{stat.st_ino}:{start + len(whole)}"


def _cdr_line(row: list[str]) -> CdrLine | None:
    call, media_id, disposition, billsec, dstchannel = (c.strip() for c in row[:5])
    if not (call.isdigit() or call.startswith(clicktocall.CALL_REF_PREFIX)):
        return None
    return CdrLine(
        call, media_id, disposition, int(billsec) if billsec.isdigit() else 0, dstchannel
    )


def outcome_of(lines: Iterable[CdrLine]) -> calls.DialOutcome | None:
    """What Asterisk's records say of one call: answered (by which channel, for how long)
    if any of its CDRs was answered, else the last one's disposition. None when no CDR
    shows another party was ever dialled (a click-to-call the agent did not answer)."""
    dialled = [line for line in lines if line.dstchannel]
    if not dialled:
        return None
    answered = [line for line in dialled if line.disposition == "ANSWERED"]
    chosen = answered[0] if answered else dialled[-1]
    return calls.DialOutcome(
        dial_status=DISPOSITIONS.get(chosen.disposition, chosen.disposition),
        peer_channel=chosen.dstchannel,
        peer_number="",  # the CDR does not say which number a trunk leg rang
        answered_seconds=chosen.billsec if answered else None,
    )


async def from_cdr(store: Store, cdr_file: Path, media_dir: Path, now: datetime) -> Reconciled:
    """Complete the calls the CDR lines read now tell of and that still wait, with their
    recording or voicemail (the CDR is written once the call is over: its files are)."""
    done = Reconciled()
    finished: list[tuple[int, str, bool]] = []  # call id, media id, answered
    async with store.transaction() as repo:
        offset = await repo.state(CDR_OFFSET)
    lines, new_offset = await asyncio.to_thread(read_cdr, cdr_file, offset)
    done.lines = len(lines)
    by_call: dict[str, list[CdrLine]] = {}
    for line in lines:
        by_call.setdefault(line.call, []).append(line)
    async with store.transaction() as repo:
        for reference, its_lines in by_call.items():
            call_id = await outcomes.call_of(repo, reference)
            entry = await repo.activity_by_id(call_id) if call_id is not None else None
            if entry is None or entry.detail.get("status") in calls.FINISHED:
                continue
            outcome = outcome_of(its_lines)
            if outcome is None:
                await clicktocall.agent_missed(
                    repo, entry.id, "the agent did not answer (from Asterisk's records)"
                )
            else:
                await calls.finish_call(repo, entry.id, outcome, source="cdr")
                media_id = next((line.media for line in its_lines if line.media), "")
                finished.append((entry.id, media_id, outcome.dial_status == "ANSWER"))
            done.calls += 1
            logs.event(log, "call reconciled", call_id=entry.id, source="cdr")
        await repo.set_state(CDR_OFFSET, new_offset)
    for call_id, media_id, answered in finished:
        if media_id:
            kept = await recordings.collect(store, media_dir, media_id, call_id, answered, now)
            done.recordings += len(kept)
    return done


async def from_media(store: Store, media_dir: Path, now: datetime) -> Reconciled:
    """Put recordings and voicemail no entry knows of on their call's timeline."""
    done = Reconciled()
    async with store.transaction() as repo:
        seen_until = float(await repo.state(MEDIA_SCANNED) or 0)
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
        await repo.set_state(MEDIA_SCANNED, str(newest))
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
