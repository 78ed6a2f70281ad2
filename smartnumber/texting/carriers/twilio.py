"""Twilio, as its REST API 2010-04-01 documents it.

Sending: POST {api_url}/Accounts/{AccountSid}/Messages.json, HTTP Basic auth (account
SID, auth token), form fields To, From, Body, StatusCallback; 201 answers {"sid", ...},
errors answer {"code", "message", "more_info", "status"}
(https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).

Webhooks: form posts signed with X-Twilio-Signature (signatures.check_twilio). An
inbound message brings MessageSid, From, To, Body, NumMedia, MediaUrl{n} and
MediaContentType{n}; a status callback brings MessageSid, MessageStatus and ErrorCode
(https://www.twilio.com/docs/messaging/guides/webhook-request,
https://www.twilio.com/docs/messaging/guides/track-outbound-message-status).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl

import httpx

from ...errors import UserError
from ...model import Carrier, Media, Outgoing
from . import signatures, wire

STATUSES = {
    "accepted": wire.QUEUED,
    "scheduled": wire.QUEUED,
    "queued": wire.QUEUED,
    "sending": wire.QUEUED,
    "sent": wire.SENT,
    "delivered": wire.DELIVERED,
    "read": wire.DELIVERED,
    "undelivered": wire.UNDELIVERED,
    "failed": wire.FAILED,
    "canceled": wire.FAILED,
}


async def send(
    client: httpx.AsyncClient, carrier: Carrier, message: Outgoing, status_url: str | None
) -> str:
    """Hand the text to Twilio; its message SID."""
    form = {"To": message.to, "From": message.sender, "Body": message.body}
    if status_url:
        form["StatusCallback"] = status_url
    answer = await client.post(
        f"{carrier.api_url.rstrip('/')}/Accounts/{carrier.account_sid}/Messages.json",
        data=form,
        auth=(carrier.account_sid, carrier.auth_token),
    )
    try:
        data = answer.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    if answer.is_success:
        sid = str(data.get("sid") or "")
        if not sid:
            raise wire.Unreachable(f"{carrier.name} answered {answer.status_code} with no sid")
        return sid
    code, detail = str(data.get("code") or ""), str(data.get("message") or "")
    raise wire.failure(carrier, answer.status_code, code, detail)


def form(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise UserError("not a Twilio webhook: the body is not a form") from None


def parse(carrier: Carrier, body: bytes, headers: Mapping[str, str], url: str) -> wire.Webhook:
    """A verified webhook's news (BadSignature first if it is not Twilio's): a status
    callback when it carries MessageStatus, else an inbound message."""
    params = form(body)
    signatures.check_twilio(headers.get("x-twilio-signature"), carrier.auth_token, url, params)
    return read(params)


def read(params: Sequence[tuple[str, str]]) -> wire.Webhook:
    fields = dict(params)
    sid = fields.get("MessageSid") or fields.get("SmsSid") or ""
    if not sid:
        raise UserError("not a Twilio messaging webhook: no MessageSid")
    if "MessageStatus" in fields and "Body" not in fields:
        status = STATUSES.get(fields["MessageStatus"])
        return wire.Receipt(sid, status, fields.get("ErrorCode", "")) if status else None
    try:
        count = min(int(fields.get("NumMedia") or 0), wire.MAX_MEDIA)
    except ValueError:
        raise UserError("not a Twilio messaging webhook: NumMedia is not a number") from None
    media = tuple(
        Media(fields[f"MediaUrl{i}"], fields.get(f"MediaContentType{i}", ""))
        for i in range(count)
        if fields.get(f"MediaUrl{i}")
    )
    return wire.InboundMessage(
        sid, fields.get("From", ""), fields.get("To", ""), fields.get("Body", ""), media
    )
