"""How far a text got, where people look: its timeline entry's status and an event
for the CRM (text.sent, text.delivered, text.failed)."""

from __future__ import annotations

from datetime import datetime

from ..model import QueuedText
from ..storage.repository import Repository
from ..webhooks import events


async def show(
    repo: Repository,
    text: QueuedText,
    status: str,
    at: datetime,
    reason: str | None = None,
    *,
    code: str | None = None,
) -> None:
    """How far a text got (sent, failed, and by a carrier's receipts delivered or
    undelivered), on its timeline entry and as an event for the CRM."""
    entry = await repo.activity_to_change(text.activity_id) if text.activity_id else None
    kind = {
        "sent": events.TEXT_SENT,
        "delivered": events.TEXT_DELIVERED,
        "failed": events.TEXT_FAILED,
        "undelivered": events.TEXT_FAILED,
    }.get(status)
    if kind is not None:
        await events.publish(
            repo,
            kind,
            {
                "text_id": text.id,
                "contact_id": entry.contact_id if entry else None,
                "from": text.sender,
                "to": text.recipient,
                "text": text.body,
                "purpose": text.purpose,
                "status": status,
                "reason": reason,
                "carrier_code": code,
            },
            at=at,
            contact_id=entry.contact_id if entry else None,
            agent_id=entry.agent_id if entry else None,
        )
    if entry is not None:
        detail = dict(entry.detail) | {"status": status}
        if reason is not None:
            detail["reason"] = reason
        if code:
            detail["carrier_code"] = code
        await repo.update_activity(entry.id, entry.agent_id, detail)
