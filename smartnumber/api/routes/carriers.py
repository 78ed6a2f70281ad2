"""/v1/carriers/{name}/inbound and /status: the webhooks of a Smart Number's SMS carrier.
No token: a carrier proves itself by its signature (Telnyx Ed25519, Twilio HMAC-SHA1),
checked before anything else, and speaks only for the numbers it carries; anything else
is refused (403) and logged.
Telnyx posts everything to one URL: either path takes either kind."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from ... import logs
from ...app import carriers as cases
from ...errors import UserError
from ...model import CarrierKind
from .. import problems
from ..auth import failed, refuse_if_failing
from .common import now, store

router = APIRouter(prefix="/v1/carriers", tags=["carriers"])
log = logging.getLogger("smartnumber.api")
TWIML_OK = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@router.post("/{name}/inbound", summary="A carrier's inbound-message webhook")
async def inbound(name: str, request: Request) -> Response:
    """Texts (and, from Telnyx, receipts) the carrier posts: kept before it is answered."""
    return await _heard(name, request)


@router.post("/{name}/status", summary="A carrier's status-callback webhook")
async def status(name: str, request: Request) -> Response:
    """Delivery receipts (and, from Telnyx, texts) the carrier posts."""
    return await _heard(name, request)


async def _heard(name: str, request: Request) -> Response:
    refuse_if_failing(request)
    body = await request.body()
    url = (
        str(request.url),
        request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )
    try:
        heard = await cases.webhook(store(request), name, body, request.headers, url, now())
    except cases.Refused as exc:
        await failed(request)
        logs.event(log, "carrier webhook refused", carrier=name[:64], reason=str(exc))
        return problems.problem(403, str(exc))
    except UserError as exc:
        await failed(request)  # no such carrier, or not its format: a failed attempt too
        if type(exc) is UserError:
            logs.event(log, "carrier webhook refused", carrier=name[:64], reason=str(exc))
        raise
    logs.event(log, "carrier webhook", carrier=name, what=heard.what, new=heard.new)
    if heard.carrier.kind is CarrierKind.TWILIO:
        return Response(TWIML_OK, media_type="text/xml")
    return Response(status_code=200)
