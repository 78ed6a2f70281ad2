"""/v1/texts: an agent's text to a contact, queued for the outbox or refused with why."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from ...app import texting as cases
from ..schemas import TextAnswer, TextIn
from .common import Who, now, store

router = APIRouter(prefix="/v1/texts", tags=["texts"])


@router.post(
    "",
    status_code=202,
    response_model=TextAnswer,
    responses={
        409: {
            "model": TextAnswer,
            "description": "Refused (opted out, landline, suspended...) or held: the reason.",
        }
    },
)
async def send_text(body: TextIn, who: Who, request: Request, response: Response) -> dict[str, Any]:
    """Text a contact from the agent's Smart Number: 202 queued (text.sent or
    text.failed follows), or 409 with the reason it was refused (also on the timeline)
    or held back (it would trip a spam rule: send with anyway=true to send regardless
    and be suspended)."""
    view = await cases.send_text_as(
        store(request), who, body.agent, body.to, body.body, now(), body.anyway, body.no_wait
    )
    if view["status"] != "queued":
        response.status_code = 409
    return view
