"""AGI(agi://host/message) in the trunk's message_context: an inbound SIP MESSAGE.

The Smart Number is the extension; the dialplan hands over the From header and the body
base64-encoded (SMARTNUMBER_TEXT_FROM, SMARTNUMBER_TEXT_BODY), so newlines and any other
bytes travel through the one-line AGI answer intact and are never evaluated. (Asterisk
16's GET FULL VARIABLE cuts a function's result short, and its MESSAGE(from) loses a
'+' user part, hence the dialplan Set and MESSAGE_DATA(From).) texts.receive decides
(and writes the timeline); the replies and forwards go out once that is committed.
"""

from __future__ import annotations

import base64
import binascii
import logging

from .. import logs, phone, texts
from ..errors import UserError
from . import channelvars as var
from .context import HandlerContext
from .server import AgiSession
from .sip_from import user_of

log = logging.getLogger("smartnumber.texts")


async def handle(session: AgiSession, ctx: HandlerContext) -> None:
    did = session.headers.get("agi_extension", "")
    try:
        sender_uri = _decoded(await session.get_variable(var.TEXT_FROM))
        body = _decoded(await _long_variable(session, var.TEXT_BODY))
    except ValueError:
        await _status(session, "ERROR", "the text's sender or body could not be read")
        return
    user = user_of(sender_uri)
    if user is None or not _is_phone_number(user):
        logs.event(
            log,
            "text refused",
            reason="the sender is not a phone number",
            did=did,
            sender_uri=sender_uri[:120],
        )
        await _status(session, "OK", "refused: the sender is not a phone number")
        return
    sent_bytes = await session.get_variable(var.TEXT_BYTES) or ""
    if not body and sent_bytes.isdigit() and int(sent_bytes) > 0:
        # Asterisk 16 drops a MESSAGE body of 1024 bytes or more (res_pjsip_messaging).
        body = texts.lost_body(int(sent_bytes))
    try:
        async with ctx.store.transaction() as repo:
            handled = await texts.receive(repo, user, did, body, ctx.clock())
    except UserError as exc:
        await _status(session, "ERROR", str(exc))
        return
    if handled.queued:
        ctx.texts_queued.set()
    logs.event(
        log,
        "text received",
        did=did,
        sender=user,
        sender_uri=sender_uri[:120],
        chars=len(body),
        notes=handled.notes,
        queued=sum(1 for q in handled.queued if q.refused is None),
        refused=[q.refused for q in handled.queued if q.refused],
    )
    await _status(session, "OK", "; ".join(handled.notes)[:200])


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


def _is_phone_number(user: str) -> bool:
    try:
        phone.to_e164(user)
    except UserError:
        return False
    return True


def _decoded(encoded: str | None) -> str:
    try:
        return base64.b64decode(encoded or "", validate=True).decode("utf-8", errors="replace")
    except binascii.Error:
        raise ValueError("not base64") from None


async def _status(session: AgiSession, status: str, reason: str) -> None:
    await session.set_variable(var.STATUS, status)
    await session.set_variable(var.REASON, reason)
