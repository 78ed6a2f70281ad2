"""The OpenAPI document as clients must read it: FastAPI's, from the same models that
validate requests, told the rest of the truth -- every refusal is an RFC 9457 problem
(application/problem+json) with the statuses it can have, a bearer token is needed
(but not by the carriers' signed webhooks), "updated" answers carry the same body as
"created" ones, and audio is audio. A client generated from it works against us
(tests/api/test_generated_client.py)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .problems import MEDIA_TYPE, TITLES

PROBLEM = {
    "type": "object",
    "title": "Problem",
    "description": "A refusal (RFC 9457): `detail` says what to change.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "For a 422: each field that is wrong, and why.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
# What each refusal means, as every operation documents it.
REFUSALS = {
    400: "The request means something we refuse (the detail says what).",
    401: "No token, or one that is unknown or revoked.",
    403: "The token's role may not do this (or a carrier's signature is wrong).",
    404: "Not there, or not yours (an agent token).",
    409: "It conflicts with what is there, or was refused or held (texts).",
    413: "The body is over the size limit.",
    415: "The body is not JSON.",
    422: "The body or a parameter does not fit the schema.",
    429: "Too many requests: wait (Retry-After) and try again.",
    503: "The database is busy or down: try again shortly.",
}
SECURITY_SCHEME = "bearerAuth"
UNSIGNED = "/v1/carriers/"  # the carriers prove themselves by signature, not a token


def document(app: FastAPI) -> dict[str, Any]:
    """The whole OpenAPI document (made once, then kept by the app)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Problem"] = PROBLEM
    components["securitySchemes"] = {
        SECURITY_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `smartnumber token create` (sn_...).",
        }
    }
    spec["security"] = [{SECURITY_SCHEME: []}]
    for path, operations in spec.get("paths", {}).items():
        for operation in operations.values():
            _tell_the_truth(path, operation, schemas)
    app.openapi_schema = spec
    return spec


def _tell_the_truth(path: str, operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if path.startswith(UNSIGNED):
        operation["security"] = []
    problem = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for status, meaning in REFUSALS.items():
        declared = responses.get(str(status), {})
        if status != 422 and declared.get("content"):
            continue  # the route's own answer for it (a text refused or held: 409)
        responses[str(status)] = {
            "description": f"{TITLES[status]}: {meaning}",
            "content": problem,
        }
    created = responses.get("201", {}).get("content", {}).get("application/json")
    if "200" in responses and created and not responses["200"].get("content"):
        # "updated" answers with the body "created" has: one named schema for both.
        name = "".join(str(created["schema"].get("title", "Answer")).title().split())
        schemas[name] = created["schema"]
        body = {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
        responses["200"]["content"] = responses["201"]["content"] = body
    if path.endswith("/audio"):
        audio = {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}
        responses["200"] = {"description": "The recording (WAV, 8 kHz mono).", "content": audio}
        responses["206"] = {"description": "The part asked for with Range.", "content": audio}
