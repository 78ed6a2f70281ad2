"""A client generated from our own /openapi.json by a stock generator
(openapi-python-client) works against the API for a CRM's day (issue 22 finding 9):
every refusal parses as the Problem the document promises, with its status and detail;
the token goes as the bearer scheme says; OPTIONS tells every method a path takes."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import Crm

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def generated(spec: dict[str, Any], where: Path) -> Any:
    """The client package openapi-python-client makes of the spec, imported."""
    (where / "spec.json").write_text(json.dumps(spec))
    (where / "config.yml").write_text("post_hooks: []\npackage_name_override: sn_client\n")
    made = subprocess.run(
        [str(GENERATOR), "generate", "--path", "spec.json", "--config", "config.yml",
         "--meta", "none", "--output-path", "sn_client"],
        cwd=where, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    # What it could not make: only the audio download (it has no type for audio/wav).
    skipped = [ln for ln in made.stdout.splitlines() if ln.startswith("WARNING parsing")]
    assert all("/audio" in ln for ln in skipped), skipped
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module("sn_client")
    finally:
        sys.path.remove(str(where))


async def test_a_generated_client_does_a_crms_day(crm: Crm, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=crm.system.api_url) as raw:
        spec = (await raw.get("/openapi.json")).json()
        allowed = (await raw.options("/v1/webhooks/1")).headers["allow"]
    assert allowed == "DELETE, GET, OPTIONS"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for status in ("400", "401", "403", "404", "413", "415", "422", "429", "503"):
                said = operation["responses"][status]["content"]
                assert said == {"application/problem+json": problem}, (path, status)
            if path.startswith("/v1/carriers/"):
                assert operation["security"] == []  # signed, not a token
    sn = generated(spec, tmp_path)
    from sn_client.api.contacts import (
        ingest_activity,
        read_contact,
        timeline,
        upsert_contact,
    )
    from sn_client.api.texts import send_text
    from sn_client.api.webhooks import add_webhook
    from sn_client.models import (
        ActivityIn,
        ActivityInDirection,
        ActivityInKind,
        ContactIn,
        Problem,
        TextIn,
        WebhookIn,
    )

    client = sn.AuthenticatedClient(base_url=crm.system.api_url, token=crm.tokens["crm"])
    async with client as c:
        pat = ContactIn(name="Pat Doe", phones=["310-555-0188"], external_id="crm-1")
        made = await upsert_contact.asyncio_detailed(client=c, body=pat)
        assert made.status_code == 201 and made.parsed["name"] == "Pat Doe"
        again = await upsert_contact.asyncio_detailed(client=c, body=pat)
        assert again.status_code == 200 and again.parsed["id"] == made.parsed["id"]  # updated

        email = ActivityIn(
            kind=ActivityInKind.EMAIL, direction=ActivityInDirection.OUTBOUND,
            at=datetime(2026, 11, 30, 10, tzinfo=UTC), agent="Bob", idempotency_key="mail-1",
        )  # fmt: skip
        added = await ingest_activity.asyncio_detailed(made.parsed["id"], client=c, body=email)
        assert added.status_code == 201
        page = await timeline.asyncio_detailed(made.parsed["id"], client=c)
        assert page.status_code == 200 and page.parsed["activities"][0]["kind"] == "email"

        # Refusals, each the documented Problem with its status.
        missing = await read_contact.asyncio_detailed(2**63 - 1, client=c)
        assert isinstance(missing.parsed, Problem) and missing.parsed.status == 404
        bad_time = ActivityIn(
            kind=ActivityInKind.EMAIL, direction=ActivityInDirection.OUTBOUND,
            at=datetime(9999, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        future = await ingest_activity.asyncio_detailed(made.parsed["id"], client=c, body=bad_time)
        assert isinstance(future.parsed, Problem) and future.parsed.status == 400
        inside = WebhookIn(url="https://127.0.0.1/h", events=["call.ended"])
        crm.system.cli("settings", "set", "egress.allow", "")
        refused = await add_webhook.asyncio_detailed(client=c, body=inside)
        assert isinstance(refused.parsed, Problem) and "public address" in refused.parsed.detail
        text = TextIn(to="310-555-0188", body="Hi Pat", agent="Bob")
        held = await send_text.asyncio_detailed(client=c, body=text)
        assert held.status_code == 409 and held.parsed.status == "refused"
        assert "A2P 10DLC" in held.parsed.reason  # the office number is not registered

    wrong = sn.AuthenticatedClient(base_url=crm.system.api_url, token="sn_" + "x" * 43)
    async with wrong as c:
        denied = await read_contact.asyncio_detailed(1, client=c)
        assert isinstance(denied.parsed, Problem) and denied.parsed.status == 401
