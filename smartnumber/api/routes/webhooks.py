"""/v1/webhooks: subscriptions (each with its own signing secret), the delivery log,
and replay of one event or a time range."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ...access import Caller
from ...app import webhooks as cases
from ..schemas import ReplayIn, WebhookIn
from .common import CRM, LARGEST_ID, WebhookId, needs, now, store

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
Crm = Annotated[Caller, Depends(needs(*CRM))]


@router.post("", status_code=201)
async def add_webhook(body: WebhookIn, request: Request, who: Crm) -> dict[str, Any]:
    """Subscribe a URL to events; the answer shows its secret (whsec_...) this once."""
    return await cases.add_webhook(store(request), body.url, body.events, body.agent, now())


@router.get("")
async def list_webhooks(request: Request, who: Crm) -> dict[str, Any]:
    return {"webhooks": await cases.list_webhooks(store(request)), "events": cases.EVENT_TYPES}


@router.get("/{webhook_id}")
async def show_webhook(webhook_id: WebhookId, request: Request, who: Crm) -> dict[str, Any]:
    return await cases.show_webhook(store(request), webhook_id, reveal=False)


@router.delete("/{webhook_id}", status_code=204)
async def remove_webhook(webhook_id: WebhookId, request: Request, who: Crm) -> Response:
    await cases.remove_webhook(store(request), webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries")
async def deliveries(
    webhook_id: WebhookId,
    request: Request,
    who: Crm,
    limit: int = Query(default=100, ge=1, le=1000),
    before: int | None = Query(default=None, ge=1, le=LARGEST_ID),
) -> dict[str, Any]:
    """The delivery log, newest first."""
    found = await cases.delivery_log(store(request), webhook_id, limit, before)
    return {"deliveries": found}


@router.post("/{webhook_id}/replay", status_code=202)
async def replay(
    webhook_id: WebhookId, body: ReplayIn, request: Request, who: Crm
) -> dict[str, Any]:
    """Deliver again one event (event_id) or those from `since` to `until` (default now),
    with their first webhook-id, so receivers can tell a repeat."""
    queued = await cases.replay(
        store(request),
        webhook_id,
        event_id=body.event_id,
        start=body.since,
        end=body.until,
        now=now(),
    )
    return {"queued": queued}
