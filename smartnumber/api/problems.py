"""Every refusal is an RFC 9457 problem: application/problem+json with a clear `detail`,
never a stack trace; each 4xx is logged once."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .. import logs
from ..access import Forbidden
from ..errors import Conflict, NotFound, StorageBusy, StorageError, UserError

log = logging.getLogger("smartnumber.api")
MEDIA_TYPE = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem(
    status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status}
    body |= {"detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def log_refusal(method: str, path: str, status: int) -> None:
    """One line for every request the API refused (whichever layer refused it)."""
    logs.event(log, "refused", method=method, path=path, status=status)


def _status_of(exc: UserError) -> int:
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    return 400


def _where(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error.get("loc", ()) if part != "body")


def install(app: FastAPI) -> None:
    """Turn every error into a problem response."""

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        return problem(_status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = _where(first)
        message = str(first.get("msg", "invalid request"))
        if first.get("type") == "json_invalid":
            detail = f"the body is not valid JSON (near character {where})"
        else:
            detail = f"{where}: {message}" if where else message
        fields = [{"field": _where(e), "message": str(e.get("msg", ""))} for e in errors[:20]]
        return problem(422, detail, errors=fields)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(exc.headers) if exc.headers else None
        return problem(exc.status_code, str(exc.detail), headers=headers)

    @app.exception_handler(StorageBusy)
    async def busy(request: Request, exc: StorageBusy) -> JSONResponse:
        return problem(503, "the database is busy; try again shortly", headers={"retry-after": "1"})

    @app.exception_handler(StorageError)
    async def storage(request: Request, exc: StorageError) -> JSONResponse:
        logs.event(log, "database error", path=request.url.path, error=str(exc))
        return problem(503, "the database failed; try again later")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return problem(500, "something went wrong on our side; it has been logged")
