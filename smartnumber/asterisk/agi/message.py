"""AGI(agi://host/message) in the trunk's message_context: an inbound SIP MESSAGE.

The dialplan hands over the From header and the body base64-encoded
(SMARTNUMBER_TEXT_FROM, SMARTNUMBER_TEXT_BODY), so newlines and any other bytes travel
through the one-line AGI answer intact and are never evaluated, with the carrier's
message key (SMARTNUMBER_TEXT_KEY, a SHA-1 of its Call-ID and CSeq) and the Smart
Number as argument 1. (Asterisk 16's GET FULL VARIABLE cuts a function's result short,
and its MESSAGE(from) loses a '+' user part, hence the dialplan Set and
MESSAGE_DATA(From).)

This handler only keeps the text (inbox.keep) and says OK; the service handles it from
the inbox moments later. When it cannot keep it in time (the database locked) it says
ERROR, and the dialplan writes the text to its spool for the service to fetch
(text_spool.py) -- as it does when the service cannot be reached at all.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re

from ... import logs
from ...errors import StorageError
from ...texting import inbox
from .. import names as var
from ..names import Status
from .context import HandlerContext
from .server import AgiSession
from .sip_from import user_of

log = logging.getLogger("smartnumber.texts")
KEY = re.compile(r"^[0-9a-f]{40}$")


async def handle(session: AgiSession, ctx: HandlerContext) -> None:
    did = await session.arg_or_variable(1, var.DID) or session.headers.get("agi_extension", "")
    try:
        from_header = decoded(await session.get_variable(var.TEXT_FROM))
        body = decoded(await _long_variable(session, var.TEXT_BODY))
    except ValueError:
        await _status(session, Status.ERROR, "the text's sender or body could not be read")
        return
    key = await session.get_variable(var.TEXT_KEY) or ""
    declared = await session.get_variable(var.TEXT_BYTES) or ""
    arrived = inbox.Arrived(
        smart_number=did,
        sender=user_of(from_header) or "",
        from_header=from_header,
        body=body,
        content_length=int(declared) if declared.isdigit() else None,
        message_key=key if KEY.match(key) else "",
    )
    try:
        kept = await inbox.keep(ctx.store, arrived, "agi", ctx.clock(), within=ctx.inbox_budget)
    except StorageError as exc:
        logs.event(log, "text not kept: the dialplan spools it", did=did, error=str(exc))
        await _status(session, Status.ERROR, "the text could not be kept: spool it")
        return
    ctx.texts_arrived.set()
    logs.event(log, "text kept", did=did, text_id=kept, duplicate=kept is None, chars=len(body))
    await _status(session, Status.OK, "kept" if kept else "kept already")


CHUNK = 960  # base64 characters per read: GET VARIABLE copies at most 1023 at once
MAX_CHUNKS = 12  # ~11 KB of base64: far more than a SIP MESSAGE over UDP carries


async def _long_variable(session: AgiSession, name: str) -> str:
    """A variable longer than one GET VARIABLE returns, read in slices of CHUNK."""
    parts = []
    for i in range(MAX_CHUNKS):
        part = await session.get_full_variable(f"${{{name}:{i * CHUNK}:{CHUNK}}}") or ""
        parts.append(part)
        if len(part) < CHUNK:
            break
    return "".join(parts)


def decoded(encoded: str | None) -> str:
    """Base64 (as the dialplan's BASE64_ENCODE wrote it) to text; ValueError if it is not."""
    try:
        return base64.b64decode(encoded or "", validate=True).decode("utf-8", errors="replace")
    except binascii.Error:
        raise ValueError("not base64") from None


async def _status(session: AgiSession, status: str, reason: str) -> None:
    await session.set_variable(var.STATUS, status)
    await session.set_variable(var.REASON, reason)
