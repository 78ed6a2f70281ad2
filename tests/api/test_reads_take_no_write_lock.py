"""A CRM polling the API never waits on the routing service's writes: every GET route
reads in a snapshot, so it answers while another process holds the database's write
lock (docs/architecture.md). The lock is held here by a second connection, as the
service does in the middle of a call's transaction."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import httpx

from tests.api.conftest import OFFICE_NUMBER, Crm

# A value for every path parameter a GET route has (a new one fails the test below).
PATH_VALUES = {
    "contact_id": "1",
    "name": "Alice",
    "number": OFFICE_NUMBER,
    "webhook_id": "1",
    "recording_id": "rec-0123456789abcdef",
}
QUERIES = {"/v1/route": {"number": OFFICE_NUMBER, "caller": "+13105550188"}}
ANSWERS_WITHIN = 2.0  # seconds; the store waits far longer than this for a lock


async def test_every_get_route_answers_while_the_write_lock_is_held(crm: Crm) -> None:
    async with crm.client("admin") as admin:
        made = await admin.post(
            "/v1/contacts", json={"name": "Pat Doe", "phones": ["310-555-0188"]}
        )
        assert made.status_code == 201, made.text
        hook = await admin.post(
            "/v1/webhooks", json={"url": "https://crm.example/hooks", "events": ["call.ended"]}
        )
        assert hook.status_code == 201, hook.text
        spec = (await admin.get("/openapi.json")).json()
        paths = [p for p, ops in spec["paths"].items() if "get" in ops]
        assert len(paths) >= 14, paths

        holder = sqlite3.connect(crm.system.db, isolation_level=None, timeout=1)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held as a busy service would
        try:
            slow = {}
            for path in paths:
                url = path.format(**PATH_VALUES)
                started = time.monotonic()
                try:
                    answer = await admin.get(url, params=QUERIES.get(path), timeout=ANSWERS_WITHIN)
                except httpx.TimeoutException:
                    slow[path] = "no answer"
                    continue
                took = time.monotonic() - started
                if answer.status_code >= 500 or took >= ANSWERS_WITHIN:
                    slow[path] = f"{answer.status_code} after {took:.1f} s"
                await asyncio.sleep(0)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert slow == {}, f"these GET routes waited on the write lock: {slow}"
