"""/v1/calls (click-to-call) and /v1/route (whom a call would ring, and why)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from ...access import Caller
from ...app import calls as cases
from ..schemas import CallIn
from .common import CRM, Who, needs, now, store

router = APIRouter(prefix="/v1", tags=["calls"])


@router.post("/calls", status_code=202)
async def click_to_call(body: CallIn, who: Who, request: Request) -> dict[str, Any]:
    """Ring the agent's phone, then (once they answer) the contact, from the agent's
    outbound number. Checked now; placed after this answer by a routing service (any
    node's, once): its progress arrives as click_to_call.progress events ("failed" with
    why, e.g. when no service took it within 30 s), its outcome as call.ended."""
    return await cases.request_click_to_call(
        store(request), who, body.agent, body.to, body.via, now
    )


@router.get("/route")
async def explain_route(
    request: Request,
    who: Annotated[Caller, Depends(needs(*CRM))],
    number: str = Query(max_length=32, description="The Smart Number called."),
    caller: str = Query(max_length=32, description="The caller's number."),
) -> dict[str, Any]:
    """Whom a call from `caller` to `number` would ring now, and by which rule."""
    return await cases.explain_route(store(request), number, caller, now())
