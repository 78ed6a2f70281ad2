"""Who is asking: the bearer token of each request, checked against the store, and the
rate limit of that token."""

from __future__ import annotations

from fastapi import HTTPException, Request

from ..access import Caller
from ..app import tokens
from .limits import SharedRateLimit

CHALLENGE = {"www-authenticate": 'Bearer realm="smartnumber"'}
RETRY = {"retry-after": "1"}


def address(request: Request) -> str:
    """Who is on the other end of the connection (behind a proxy: the proxy)."""
    return request.client.host if request.client else "-"


def refuse_if_failing(request: Request) -> None:
    """429 for an address that failed too often lately (bad tokens, unsigned carrier
    webhooks), before any work is done for it."""
    failures: SharedRateLimit = request.app.state.failures
    if failures.spent(address(request)):
        raise HTTPException(429, "too many failed attempts from your address; wait", RETRY)


async def failed(request: Request) -> None:
    """Count one failed attempt against the address."""
    failures: SharedRateLimit = request.app.state.failures
    await failures.allow(address(request))


async def caller(request: Request) -> Caller:
    """The FastAPI dependency every /v1 route takes."""
    refuse_if_failing(request)
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        await failed(request)
        raise HTTPException(401, "send a token: Authorization: Bearer sn_...", CHALLENGE)
    found = await tokens.authenticate(request.app.state.store, presented.strip())
    if found is None:
        await failed(request)
        raise HTTPException(401, "that token is unknown or revoked", CHALLENGE)
    limit: SharedRateLimit = request.app.state.rate_limit
    if not await limit.allow(found.token.name):
        raise HTTPException(429, "too many requests for this token; slow down", RETRY)
    return found
