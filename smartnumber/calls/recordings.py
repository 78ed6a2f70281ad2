"""Call recordings and voicemail: picked up when a call ends, kept on the timeline, exported.

Asterisk writes recordings/rec-<id>.wav (MixMonitor, while the call is bridged) and
recordings/vm-<id>.wav (Record, after nobody answered) under the media directory, <id>
being the media id the service generated when it routed the call. When the call's
outcome arrives we look for those two files, and keep each one that holds audio.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from .. import media, phone
from ..errors import Conflict, UserError
from ..model import ActivityKind, Direction, Recording, RecordingKind
from ..storage.repository import NewActivity, Records, Repository, Store
from ..webhooks import events

MIXMONITOR_WAIT = 5.0  # seconds: MixMonitor closes its file just after the call ends
RECORD_WAIT = 1.0  # Record() has closed its file before the hangup handler runs

_KINDS = {
    RecordingKind.RECORDING: ("rec", ActivityKind.RECORDING),
    RecordingKind.VOICEMAIL: ("vm", ActivityKind.VOICEMAIL),
}


def recording_id(kind: RecordingKind, media_id: str) -> str:
    """The id a call's recording (or voicemail) is kept under, made from its media id."""
    if not media.KEY_RE.match(media_id):
        raise ValueError(f"not a media id: {media_id!r}")
    prefix, _ = _KINDS[kind]
    return f"{prefix}-{media_id}"


def file_of(media_dir: Path, kind: RecordingKind, media_id: str) -> Path:
    return media.recording_dir(media_dir) / f"{recording_id(kind, media_id)}.wav"


async def collect(
    store: Store,
    media_dir: Path,
    media_id: str,
    call_id: int | None,
    answered: bool,
    now: datetime,
    *,
    settled: bool = False,
) -> list[Recording]:
    """Keep the call's recording (if it was answered) and voicemail (if not), if their
    files hold audio: each on the recordings list and the contact's timeline. `settled`:
    the file is known to be finished (no waiting for it to stop growing)."""
    if not media.KEY_RE.match(media_id):
        return []
    if answered:
        kind, wait = RecordingKind.RECORDING, MIXMONITOR_WAIT
    else:
        kind, wait = RecordingKind.VOICEMAIL, RECORD_WAIT
    path = file_of(media_dir, kind, media_id)
    if settled:
        found = path if path.is_file() else None
    else:
        found = await media.finished_file(path, wait=wait)
    if found is None:
        return []
    seconds = round(media.recorded_seconds(found), 2)
    if seconds <= 0:
        return []
    async with store.transaction() as repo:
        call = await repo.activity_by_id(call_id) if call_id is not None else None
        recording = Recording(
            id=found.stem,
            kind=kind,
            contact_id=call.contact_id if call else None,
            call_id=call.id if call else None,
            smart_number_id=call.smart_number_id if call else None,
            path=str(found),
            seconds=seconds,
            created_at=now,
        )
        try:
            await repo.add_recording(recording)
        except Conflict:  # the same call's outcome reported twice: kept already
            return []
        voicemail = kind is not RecordingKind.RECORDING
        await events.publish(
            repo,
            events.VOICEMAIL_CREATED if voicemail else events.RECORDING_CREATED,
            {
                "recording_id": recording.id,
                "call_id": recording.call_id,
                "contact_id": recording.contact_id,
                "seconds": seconds,
            },
            at=now,
            contact_id=recording.contact_id,
            agent_id=call.agent_id if call else None,
        )
        if call is not None:
            await repo.add_activity(
                NewActivity(
                    contact_id=call.contact_id,
                    kind=_KINDS[kind][1],
                    direction=Direction.INBOUND,
                    at=now,
                    agent_id=call.agent_id if kind is RecordingKind.RECORDING else None,
                    smart_number_id=call.smart_number_id,
                    detail={"recording": recording.id, "seconds": seconds, "call": call.id},
                )
            )
    return [recording]


async def listing(repo: Repository, contact_number: str | None, limit: int) -> list[Recording]:
    if contact_number is None:
        return await repo.recordings(None, limit)
    contacts = await repo.contacts_by_phone(phone.to_e164(contact_number))
    if not contacts:
        raise UserError(f"no contact has the number {contact_number}")
    return await repo.recordings([c.id for c in contacts], limit)


async def find(repo: Records, recording_id: str) -> Recording:
    recording = await repo.recording_by_id(recording_id)
    if recording is None:
        raise UserError(f"no recording {recording_id!r} (see `smartnumber recording list`)")
    return recording


def export(recording: Recording, out: Path, overwrite: bool) -> None:
    """Copy a recording's audio (WAV, 8 kHz mono 16-bit) to `out`."""
    source = Path(recording.path)
    if not source.is_file():
        raise UserError(f"the audio of {recording.id} is gone from {source}")
    if out.exists() and not overwrite:
        raise UserError(f"{out} exists (use --force to replace it)")
    try:
        shutil.copyfile(source, out)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror}") from None
