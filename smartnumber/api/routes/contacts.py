"""/v1/contacts: upsert (one, or up to 1,000), read, find by phone or external id, the
timeline (paged, newest first), and activities ingested idempotently."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response

from ...app import contacts as cases
from ..schemas import ActivityIn, ContactIn, ContactsIn
from .common import LARGEST_ID, ContactId, Who, now, store

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])


def _fields(body: ContactIn) -> cases.ContactFields:
    return cases.ContactFields(
        name=body.name,
        phones=tuple(body.phones),
        external_id=body.external_id,
        owner=body.owner,
        line_type=body.line_type,
    )


@router.post("", status_code=201, responses={200: {"description": "An existing one, updated."}})
async def upsert_contact(
    body: ContactIn, who: Who, request: Request, response: Response
) -> dict[str, Any]:
    """Create a contact, or update the one with this external id (else this phone)."""
    view, created = await cases.upsert_contact(store(request), who, _fields(body), now())
    if not created:
        response.status_code = 200
    return view


@router.post("/bulk")
async def upsert_contacts(body: ContactsIn, who: Who, request: Request) -> dict[str, Any]:
    """Up to 1,000 contacts in one transaction: all are stored, or none (the error
    names the item)."""
    batch = [_fields(c) for c in body.contacts]
    return {"results": await cases.upsert_contacts(store(request), who, batch, now())}


@router.get("")
async def find_contacts(
    who: Who,
    request: Request,
    phone: str | None = Query(default=None, max_length=32),
    external_id: str | None = Query(default=None, max_length=128),
    limit: int = Query(default=100, ge=1, le=1000),
    after: int = Query(default=0, ge=0, le=LARGEST_ID, description="Page on from this contact id."),
) -> dict[str, Any]:
    """By phone, by external id, or a page of all (an agent: their own)."""
    found = await cases.find_contacts(
        store(request),
        who,
        phone_number=phone,
        external_id=external_id,
        limit=limit,
        after_id=after,
    )
    return {"contacts": found}


@router.get("/{contact_id}")
async def read_contact(contact_id: ContactId, who: Who, request: Request) -> dict[str, Any]:
    return await cases.contact(store(request), who, contact_id)


@router.get("/{contact_id}/timeline")
async def timeline(
    contact_id: ContactId,
    who: Who,
    request: Request,
    limit: int = Query(default=50, ge=1, le=500),
    before: int | None = Query(
        default=None, ge=1, le=LARGEST_ID, description="Page on from this activity id."
    ),
) -> dict[str, Any]:
    """Newest first; pass the last id you got as `before` for the next page."""
    entries = await cases.timeline(store(request), who, contact_id, limit, before)
    following = entries[-1]["id"] if len(entries) == limit else None
    return {"activities": entries, "next_before": following}


@router.post(
    "/{contact_id}/activities",
    status_code=201,
    responses={200: {"description": "Stored before under this idempotency key."}},
)
async def ingest_activity(
    contact_id: ContactId, body: ActivityIn, who: Who, request: Request, response: Response
) -> dict[str, Any]:
    """Put a CRM event on the timeline; with an idempotency key, the same event sent
    twice is stored once (the second answer is 200 with the first)."""
    key = body.idempotency_key or request.headers.get("idempotency-key")
    fields = cases.ActivityFields(
        kind=body.kind,
        direction=body.direction,
        at=body.at,
        detail=body.detail,
        agent=body.agent,
        idempotency_key=key,
    )
    view, created = await cases.ingest_activity(store(request), who, contact_id, fields)
    if not created:
        response.status_code = 200
    return view
