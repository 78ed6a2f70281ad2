"""The FastAPI application: routes, problem responses, body and rate limits, one log line
per refused request. FastAPI because the OpenAPI document (/openapi.json, /docs) is made
from the same models that validate requests, so it cannot drift from what is accepted."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response

from ..storage import Store
from . import problems
from .limits import BodyLimit, RateLimit
from .routes import (
    calls,
    carriers,
    contacts,
    directory,
    recordings,
    suspensions,
    texts,
    webhooks,
)

MAX_BODY_BYTES = 1024 * 1024  # a bulk upsert of 1,000 contacts fits several times over
CARRIER_WEBHOOKS = "/v1/carriers/"
RATE = 200.0  # requests a second per token, steady (setting api.rate_limit)


def create_app(
    store: Store,
    db: Path,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    rate: float = RATE,
) -> FastAPI:
    app = FastAPI(
        title="smartnumber",
        version="1",
        summary="The CRM's door to a Smart Number: contacts, timelines, calls, texts,"
        " recordings, suspensions, configuration; webhooks signed the Standard Webhooks way.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.store, app.state.db = store, db
    app.state.rate_limit = RateLimit(rate, burst=int(2 * rate))
    app.state.tasks = set[asyncio.Task[Any]]()
    problems.install(app)
    for module in (contacts, calls, texts, recordings, suspensions, directory, webhooks, carriers):
        app.include_router(module.router)

    @app.middleware("http")
    async def log_refusals(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if _sends_other_than_json(request):
            response: Response = problems.problem(415, "send JSON: Content-Type: application/json")
        else:
            response = await call_next(request)
        if response.status_code >= 400:
            problems.log_refusal(request.method, request.url.path, response.status_code)
        return response

    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    return app


def _sends_other_than_json(request: Request) -> bool:
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    if request.url.path.startswith(CARRIER_WEBHOOKS):
        return False  # Twilio posts forms; each carrier's own format is checked there
    if (
        request.headers.get("content-length", "0") == "0"
        and "transfer-encoding" not in request.headers
    ):
        return False
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind != "application/json"
