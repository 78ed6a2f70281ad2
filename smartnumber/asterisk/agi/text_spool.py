"""Texts the dialplan kept on disk because the routing service could not take them.

When AGI(agi://…/message) fails (the service is down, or could not keep the text in
time), [smartnumber-text-in] writes one line with FILE() -- no shell, no AMI -- to
<media>/inbox/text-<key>.txt:

    v1 <smart number> <content length> <message key> <From, base64> <body, base64> end

The service reads the directory when it starts and every few seconds, keeps each text
in the inbox (the same message key: never twice) and removes the file only once the
text is kept. A file without its closing 'end' is still being written; if it stays like
that, or is not what the dialplan writes, it is renamed *.bad and left for an admin.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import datetime
from pathlib import Path

from ... import logs
from ...errors import StorageError
from ...storage.repository import Store
from ...texting import inbox
from .message import KEY, decoded
from .sip_from import user_of

log = logging.getLogger("smartnumber.texts")

PATTERN = "text-*.txt"
UNFINISHED_FOR = 60.0  # seconds a file may lack its 'end' before it is set aside
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def read(path: Path) -> inbox.Arrived | None:
    """The text in a spool file, or None when the file is not (yet) a whole text."""
    fields = path.read_text(encoding="ascii", errors="replace").split(" ")
    if len(fields) != 7 or fields[0] != "v1" or fields[6].strip() != "end":
        return None
    _, did, length, key, from_b64, body_b64, _ = fields
    if not _E164.match(did) or not KEY.match(key) or not (length == "" or length.isdigit()):
        return None
    try:
        from_header, body = decoded(from_b64), decoded(body_b64)
    except ValueError:
        return None
    return inbox.Arrived(
        smart_number=did,
        sender=user_of(from_header) or "",
        from_header=from_header,
        body=body,
        content_length=int(length) if length else None,
        message_key=key,
    )


async def drain(store: Store, directory: Path, now: datetime) -> int:
    """Keep every whole spooled text in the inbox and remove its file; how many were
    kept now. Stops (leaving the rest) when the database is still unavailable."""
    kept = 0
    for path in await asyncio.to_thread(spooled, directory):
        try:
            arrived = read(path)
        except OSError:
            continue  # removed meanwhile by another drain
        if arrived is None:
            _unfinished(path)
            continue
        try:
            text_id = await inbox.keep(store, arrived, "spool", now)
        except StorageError:
            break  # locked or down: the files wait for the next round
        path.unlink(missing_ok=True)
        kept += text_id is not None
        logs.event(log, "text fetched from the spool", did=arrived.smart_number, text_id=text_id)
    return kept


def spooled(directory: Path) -> list[Path]:
    """The spooled texts, oldest first."""
    return sorted(directory.glob(PATTERN), key=_mtime) if directory.is_dir() else []


def _unfinished(path: Path) -> None:
    age = time.time() - _mtime(path)
    if age > UNFINISHED_FOR:
        path.rename(path.with_suffix(".bad"))
        logs.event(log, "spooled text set aside: not a whole text", file=path.name)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
