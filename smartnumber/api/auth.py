"""Who is asking: the bearer token of each request, checked against the store, and the
rate limit of that token."""

from __future__ import annotations

from fastapi import HTTPException, Request

from ..access import Caller
from ..app import tokens
from .limits import RateLimit

CHALLENGE = {"www-authenticate": 'Bearer realm="smartnumber"'}
RETRY = {"retry-after": "1"}


async def caller(request: Request) -> Caller:
    """The FastAPI dependency every /v1 route takes."""
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        raise HTTPException(401, "send a token: Authorization: Bearer sn_...", CHALLENGE)
    found = await tokens.authenticate(request.app.state.store, presented.strip())
    if found is None:
        raise HTTPException(401, "that token is unknown or revoked", CHALLENGE)
    limit: RateLimit = request.app.state.rate_limit
    if not limit.allow(found.token.name):
        raise HTTPException(429, "too many requests for this token; slow down", RETRY)
    return found
