"""The events webhooks carry, and publish(): an event is written to the outbox (and
queued for every subscription that wants it) inside the caller's transaction, so it
exists exactly when the change it reports does."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from ..model import Contact
from ..storage.repository import Crm, NewWebhookEvent, Repository

LEAD_CREATED = "lead.created"
CALL_ROUTED = "call.routed"
CALL_ENDED = "call.ended"
VOICEMAIL_CREATED = "voicemail.created"
RECORDING_CREATED = "recording.created"
TEXT_RECEIVED = "text.received"
TEXT_SENT = "text.sent"
TEXT_FAILED = "text.failed"
TEXT_DELIVERED = "text.delivered"  # a carrier's receipt: it reached the phone
CONTACT_OPTED_OUT = "contact.opted_out"
CONTACT_OPTED_IN = "contact.opted_in"
AGENT_SUSPENDED = "agent.suspended"
AGENT_SUSPENSION_LIFTED = "agent.suspension_lifted"
CLICK_TO_CALL_PROGRESS = "click_to_call.progress"

TYPES = (
    LEAD_CREATED,
    CALL_ROUTED,
    CALL_ENDED,
    VOICEMAIL_CREATED,
    RECORDING_CREATED,
    TEXT_RECEIVED,
    TEXT_SENT,
    TEXT_FAILED,
    TEXT_DELIVERED,
    CONTACT_OPTED_OUT,
    CONTACT_OPTED_IN,
    AGENT_SUSPENDED,
    AGENT_SUSPENSION_LIFTED,
    CLICK_TO_CALL_PROGRESS,
)


def contact_data(contact: Contact) -> dict[str, Any]:
    """A contact as events describe it."""
    return {
        "id": contact.id,
        "external_id": contact.external_id,
        "name": contact.name,
        "phones": [p.e164 for p in contact.phones],
        "source": contact.source,
        "owner_agent_id": contact.owner_agent_id,
    }


def new_event_id() -> str:
    """The webhook-id header: unique, the same on every retry and replay."""
    return f"msg_{secrets.token_hex(12)}"


def body(event_type: str, at: datetime, data: dict[str, Any]) -> str:
    """The JSON body receivers get (the Standard Webhooks payload shape)."""
    return json.dumps(
        {"type": event_type, "timestamp": at.isoformat(), "data": data},
        separators=(",", ":"),
        sort_keys=True,
    )


async def publish(
    repo: Crm,
    event_type: str,
    data: dict[str, Any],
    *,
    at: datetime,
    contact_id: int | None = None,
    agent_id: int | None = None,
) -> None:
    """Keep the event and queue it for each active subscription to its type (one about
    an agent's contacts only, when the subscription names an agent)."""
    if event_type not in TYPES:
        raise ValueError(f"unknown event type {event_type}")
    wanted = [w.id for w in await repo.webhooks(active_only=True) if w.wants(event_type, agent_id)]
    await repo.add_webhook_event(
        NewWebhookEvent(
            event_id=new_event_id(),
            type=event_type,
            at=at,
            payload=body(event_type, at, data),
            contact_id=contact_id,
            agent_id=agent_id,
        ),
        wanted,
    )


async def lead_created(repo: Repository, lead: Contact, at: datetime) -> None:
    """A contact made from a number alone (a call, a text code, an agent reaching out)."""
    await publish(
        repo,
        LEAD_CREATED,
        contact_data(lead),
        at=at,
        contact_id=lead.id,
        agent_id=lead.owner_agent_id,
    )
