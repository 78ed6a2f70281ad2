"""Click-to-call requests: kept by the API, claimed for good by one routing service."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ...model import CallRequest
from .statements import Statements, from_millis, to_millis

COLUMNS = "id, call_key, plan, requested_at, claimed_by, done_at, outcome"


def as_call_request(row: Sequence[Any]) -> CallRequest:
    return CallRequest(
        id=int(row[0]),
        call_key=row[1],
        plan=json.loads(row[2]),
        requested_at=from_millis(row[3]),
        claimed_by=row[4],
        done_at=from_millis(row[5]) if row[5] is not None else None,
        outcome=row[6],
    )


class CallRequestRows(Statements):
    """call_requests: a queue whose claims are for good (no lease to run out)."""

    async def request_call(self, call_key: str, plan: dict[str, Any], at: datetime) -> int:
        request_id = await self._insert(
            "INSERT INTO call_requests (call_key, plan, requested_at) VALUES (?, ?, ?)",
            (call_key, json.dumps(plan, sort_keys=True), to_millis(at)),
            f"call request {call_key}",
        )
        self._db.notify("call_requests")
        return request_id

    async def claim_call_requests(
        self, worker: str, now: datetime, limit: int
    ) -> list[CallRequest]:
        await self._db.serialise("call_requests")
        rows = await self._all(
            "SELECT id FROM call_requests WHERE claimed_by IS NULL ORDER BY id LIMIT ?"
            + self._db.skip_locked("call_requests"),
            (limit,),
        )
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        claimed = await self._all(
            "UPDATE call_requests SET claimed_by = ?, claimed_at = ?"
            f" WHERE id IN ({marks}) AND claimed_by IS NULL RETURNING {COLUMNS}",
            [worker, to_millis(now), *(r[0] for r in rows)],
        )
        return sorted((as_call_request(r) for r in claimed), key=lambda r: r.id)

    async def call_request_done(self, request_id: int, outcome: str, at: datetime) -> None:
        await self._exec(
            "UPDATE call_requests SET done_at = ?, outcome = ? WHERE id = ?",
            (to_millis(at), outcome[:500], request_id),
        )

    async def call_request(self, call_key: str) -> CallRequest | None:
        row = await self._one(
            f"SELECT {COLUMNS} FROM call_requests WHERE call_key = ?", (call_key,)
        )
        return as_call_request(row) if row else None
