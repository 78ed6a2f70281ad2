"""Telnyx, as its API v2 documents it.

Sending: POST {api_url}/messages with `Authorization: Bearer <API key>` and JSON
{from, to, text, webhook_url}; 200 answers {"data": {"id": ...}}, errors answer
{"errors": [{"code", "title", "detail"}]}
(https://developers.telnyx.com/api/messaging/send-message).

Webhooks: one URL for everything, JSON {"data": {"event_type", "payload"}} signed with
Ed25519 (signatures.check_telnyx). message.received brings a text (payload.from,
payload.to[0], payload.text, payload.media[]); message.sent and message.finalized bring
the status of one we sent (payload.to[0].status, payload.errors[])
(https://developers.telnyx.com/docs/messaging/messages/receiving-webhooks).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from ...errors import UserError
from ...model import Carrier, Media, Outgoing
from . import signatures, wire

STATUSES = {
    "queued": wire.QUEUED,
    "sending": wire.QUEUED,
    "sent": wire.SENT,
    "delivery_unconfirmed": wire.SENT,  # the handset's carrier gave no receipt
    "delivered": wire.DELIVERED,
    "sending_failed": wire.FAILED,
    "delivery_failed": wire.UNDELIVERED,
}


async def send(
    client: httpx.AsyncClient, carrier: Carrier, message: Outgoing, status_url: str | None
) -> str:
    """Hand the text to Telnyx; its message id."""
    body: dict[str, Any] = {"from": message.sender, "to": message.to, "text": message.body}
    if status_url:
        body |= {"webhook_url": status_url, "use_profile_webhooks": False}
    answer = await client.post(
        f"{carrier.api_url.rstrip('/')}/messages",
        json=body,
        headers={"authorization": f"Bearer {carrier.api_key}"},
    )
    data = _json(answer)
    if answer.is_success:
        message_id = str((data.get("data") or {}).get("id") or "")
        if not message_id:
            raise wire.Unreachable(f"{carrier.name} answered {answer.status_code} with no id")
        return message_id
    errors = data.get("errors") or [{}]
    first = errors[0] if isinstance(errors, list) and errors else {}
    code, detail = (
        str(first.get("code") or ""),
        str(first.get("detail") or first.get("title") or ""),
    )
    raise wire.failure(carrier, answer.status_code, code, detail)


def parse(carrier: Carrier, body: bytes, headers: Mapping[str, str], now: datetime) -> wire.Webhook:
    """A verified webhook's news (BadSignature first if it is not Telnyx's)."""
    signatures.check_telnyx(
        body,
        headers.get("telnyx-signature-ed25519"),
        headers.get("telnyx-timestamp"),
        carrier.public_key,
        now,
    )
    try:
        data = json.loads(body)["data"]
        event, payload = str(data["event_type"]), data["payload"]
        if event == "message.received":
            return wire.InboundMessage(
                message_id=str(payload["id"]),
                sender=str(payload["from"]["phone_number"]),
                to=str(payload["to"][0]["phone_number"]),
                body=str(payload.get("text") or ""),
                media=tuple(
                    Media(str(m["url"]), str(m.get("content_type") or ""))
                    for m in (payload.get("media") or ())[: wire.MAX_MEDIA]
                ),
            )
        if event in ("message.sent", "message.finalized"):
            status = STATUSES.get(str(payload["to"][0]["status"]))
            if status is None:
                return None
            errors = payload.get("errors") or []
            code = str(errors[0].get("code") or "") if errors else ""
            return wire.Receipt(str(payload["id"]), status, code)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise UserError("not a Telnyx messaging webhook") from None
    return None


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        data = answer.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
