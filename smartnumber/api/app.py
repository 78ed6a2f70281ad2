"""The FastAPI application: routes, problem responses, body and rate limits, one log line
per refused request. FastAPI because the OpenAPI document (/openapi.json, /docs) is made
from the same models that validate requests, so it cannot drift from what is accepted."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path

import swagger_ui_bundle  # type: ignore[import-untyped]
from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import clock
from ..app import tokens
from ..storage import Store
from . import openapi, problems
from .auth import address
from .limits import BodyLimit, RateLimit, SharedRateLimit
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
# Failed attempts (bad tokens, unsigned carrier webhooks) an address may make: a steady
# 2 a second with bursts of 20; then 429 before any work is done for it.
FAILURES_RATE, FAILURES_BURST = 2.0, 20
DOCS_ASSETS = "/docs/assets"  # Swagger UI, served from the installed package: no CDN
CARRIER_WEBHOOKS = "/v1/carriers/"
RATE = 200.0  # requests a second per token, steady (setting api.rate_limit)


def create_app(
    store: Store,
    db: str | Path,
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
        docs_url=None,  # served below, from local assets
        redoc_url=None,
        # operationIds are the route functions' names: upsert_contact, send_text...
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.store, app.state.db = store, db

    # Counted in the store: every API process on the database shares these limits.
    def take(prefix: str) -> Callable[[str, float, int, int], Awaitable[int]]:
        async def taken(key: str, rate: float, burst: int, want: int) -> int:
            return await tokens.take_allowance(store, prefix + key, rate, burst, want, clock.now())

        return taken

    app.state.rate_limit = SharedRateLimit("token", take("token:"), rate, int(2 * rate))
    app.state.failures = SharedRateLimit(
        "failures", take("failures:"), FAILURES_RATE, FAILURES_BURST
    )
    quiet = RateLimit(0.1, burst=1)  # one 429 log line per address each 10 s at most
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
        status = response.status_code
        if status >= 400 and (status != 429 or quiet.allow(address(request))):
            problems.log_refusal(request.method, request.url.path, status)
        return response

    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(SafeAnswers)
    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), "docs")

    app.openapi = functools.partial(openapi.document, app)  # type: ignore[method-assign]

    @app.options("/{path:path}", include_in_schema=False)
    async def options(request: Request) -> Response:
        """Which methods a path takes (every route of it, not only the first)."""
        allowed = _methods_of(app, request.scope)
        if not allowed:
            return problems.problem(404, f"no such path: {request.url.path[:200]}")
        return Response(status_code=204, headers={"allow": ", ".join(sorted(allowed))})

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="smartnumber API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )

    return app


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _methods_of(app: FastAPI, scope: Scope) -> set[str]:
    """The methods some route takes fully at this path."""
    found = {
        method
        for method in METHODS
        for route in app.router.routes
        if getattr(route, "path", "") != "/{path:path}"  # this OPTIONS answer's own route
        and route.matches({**scope, "method": method})[0] is Match.FULL
    }
    return found | {"OPTIONS"} if found else found


class SafeAnswers:
    """ASGI middleware: every answer, refusals and /docs included, says not to keep it
    (it may carry a contact's data) and not to guess its type."""

    HEADERS = ((b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff"))

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                known = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in self.HEADERS if h[0] not in known]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


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
