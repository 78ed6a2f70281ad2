"""The CRM's door in SQLite: API tokens, webhook subscriptions, the event outbox and
its deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ...model import (
    ApiToken,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    ordering_key,
)
from ..repository import (
    NewApiToken,
    NewWebhook,
    NewWebhookEvent,
)
from .rows import (
    API_TOKEN_FIELDS,
    DELIVERY_COLUMNS,
    EVENT_COLUMNS,
    WEBHOOK_COLUMNS,
    as_api_token,
    as_delivery,
    as_webhook,
    as_webhook_event,
)
from .statements import (
    Statements,
    from_millis,
    to_millis,
)


class CrmRows(Statements):
    """API tokens, webhooks, events and deliveries."""

    # -- the HTTP API's tokens ---------------------------------------------

    async def add_api_token(self, token: NewApiToken) -> ApiToken:
        token_id = await self._insert(
            "INSERT INTO api_tokens (name, role, agent_id, token_hash, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                token.name,
                token.role.value,
                token.agent_id,
                token.token_hash,
                to_millis(token.created_at),
            ),
            f"token {token.name!r}",
        )
        return ApiToken(
            id=token_id,
            name=token.name,
            role=token.role,
            agent_id=token.agent_id,
            created_at=from_millis(to_millis(token.created_at)),
        )

    async def api_token_by_hash(self, token_hash: str) -> ApiToken | None:
        row = await self._one(
            f"SELECT {API_TOKEN_FIELDS} FROM api_tokens WHERE token_hash = ?", (token_hash,)
        )
        return as_api_token(row) if row else None

    async def api_tokens(self) -> list[ApiToken]:
        rows = await self._all(f"SELECT {API_TOKEN_FIELDS} FROM api_tokens ORDER BY id")
        return [as_api_token(r) for r in rows]

    async def revoke_api_token(self, name: str, at: datetime) -> bool:
        changes = await self._exec(
            "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
            (to_millis(at), name),
        )
        return changes > 0

    # -- rate limits -------------------------------------------------------------

    async def take_allowance(
        self, key: str, rate: float, burst: int, want: int, now: datetime
    ) -> int:
        at = to_millis(now)
        await self._exec(
            "INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO NOTHING",
            (key, float(burst), at),
        )
        row = await self._one(
            "SELECT tokens, updated_at FROM rate_buckets WHERE key = ?" + self._db.for_update(),
            (key,),
        )
        assert row is not None
        held, since = float(row[0]), int(row[1])
        tokens = min(float(burst), held + max(0, at - since) / 1000 * rate)
        taken = max(0, min(want, int(tokens)))
        await self._exec(
            "UPDATE rate_buckets SET tokens = ?, updated_at = ? WHERE key = ?",
            (tokens - taken, max(at, since), key),
        )
        return taken

    # -- webhooks --------------------------------------------------------------

    async def add_webhook(self, webhook: NewWebhook) -> Webhook:
        webhook_id = await self._insert(
            "INSERT INTO webhooks (url, events, agent_id, secret, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                webhook.url,
                ",".join(webhook.events),
                webhook.agent_id,
                webhook.secret,
                to_millis(webhook.created_at),
            ),
            f"webhook to {webhook.url!r}",
        )
        found = await self.webhook_by_id(webhook_id)
        assert found is not None
        return found

    async def webhook_by_id(self, webhook_id: int) -> Webhook | None:
        row = await self._one(f"SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?", (webhook_id,))
        return as_webhook(row) if row else None

    async def webhooks(self, *, active_only: bool) -> list[Webhook]:
        where = " WHERE active = 1" if active_only else ""
        rows = await self._all(f"SELECT {WEBHOOK_COLUMNS} FROM webhooks{where} ORDER BY id")
        return [as_webhook(r) for r in rows]

    async def disable_webhook(self, webhook_id: int, reason: str) -> None:
        await self._exec(
            "UPDATE webhooks SET active = 0, disabled_reason = ? WHERE id = ?",
            (reason, webhook_id),
        )
        await self._exec(
            "UPDATE webhook_deliveries SET status = 'dropped', last_error = ?"
            " WHERE webhook_id = ? AND status = 'pending'",
            (reason, webhook_id),
        )

    async def remove_webhook(self, webhook_id: int) -> bool:
        changes = await self._exec("DELETE FROM webhooks WHERE id = ?", (webhook_id,))
        return changes > 0

    async def add_webhook_event(
        self, event: NewWebhookEvent, webhook_ids: Sequence[int]
    ) -> WebhookEvent:
        at = to_millis(event.at)
        key = ordering_key(event.contact_id, event.agent_id)
        row_id = await self._insert(
            "INSERT INTO webhook_events (event_id, type, at, contact_id, agent_id, payload)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (event.event_id, event.type, at, event.contact_id, event.agent_id, event.payload),
            f"event {event.event_id}",
        )
        if webhook_ids:  # no subscription wants it: kept for the feed, no trip for nothing
            await self._exec_many(
                "INSERT INTO webhook_deliveries (event_id, webhook_id, ordering_key,"
                " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
                [(row_id, w, key, at, at) for w in webhook_ids],
            )
        return WebhookEvent(
            id=row_id,
            event_id=event.event_id,
            type=event.type,
            at=from_millis(at),
            payload=event.payload,
            contact_id=event.contact_id,
            agent_id=event.agent_id,
        )

    async def webhook_event(self, event_id: str) -> WebhookEvent | None:
        row = await self._one(
            f"SELECT {EVENT_COLUMNS} FROM webhook_events WHERE event_id = ?", (event_id,)
        )
        return as_webhook_event(row) if row else None

    async def webhook_events_between(
        self, start: datetime, end: datetime, limit: int
    ) -> list[WebhookEvent]:
        rows = await self._all(
            f"SELECT {EVENT_COLUMNS} FROM webhook_events WHERE at >= ? AND at < ?"
            " ORDER BY at, id LIMIT ?",
            (to_millis(start), to_millis(end), limit),
        )
        return [as_webhook_event(r) for r in rows]

    async def queue_deliveries(
        self, events: Sequence[WebhookEvent], webhook_id: int, at: datetime
    ) -> int:
        now = to_millis(at)
        await self._exec_many(
            "INSERT INTO webhook_deliveries (event_id, webhook_id, ordering_key,"
            " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
            [(e.id, webhook_id, e.ordering_key, now, now) for e in events],
        )
        return len(events)

    async def due_deliveries(self, now: datetime, limit: int) -> list[WebhookDelivery]:
        # The head of each (subscription, contact) queue only: per contact, events reach a
        # receiver in the order they happened, each after the one before it was settled.
        at = to_millis(now)
        rows = await self._all(
            f"SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d"
            " JOIN webhook_events e ON e.id = d.event_id"
            " JOIN webhooks w ON w.id = d.webhook_id"
            " WHERE d.status = 'pending' AND d.next_attempt_at <= ?"
            " AND (d.lease_until IS NULL OR d.lease_until <= ?)"
            " AND w.active = 1 AND (w.paused_until IS NULL OR w.paused_until <= ?)"
            " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.status = 'pending'"
            "  AND o.webhook_id = d.webhook_id AND o.ordering_key = d.ordering_key"
            "  AND o.id < d.id)"
            " ORDER BY d.id LIMIT ?",
            (at, at, at, limit),
        )
        return [as_delivery(r) for r in rows]

    async def claim_deliveries(
        self, worker: str, now: datetime, lease_until: datetime, limit: int, per_webhook: int
    ) -> list[WebhookDelivery]:
        # Heads of (subscription, contact) queues, due, not held by a live lease, of an
        # active subscription that is not resting; at most per_webhook in flight for any
        # one subscription (those already leased count), so no receiver takes every slot.
        at = to_millis(now)
        # (no skip_locked: a window function cannot lock rows; the turn and the
        # conditional lease in _claim keep claims disjoint)
        await self._db.serialise("webhook_deliveries")
        rows = await self._all(
            "WITH heads AS (SELECT d.id, d.webhook_id, ROW_NUMBER() OVER"
            "  (PARTITION BY d.webhook_id ORDER BY d.id) AS place"
            " FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"
            " WHERE d.status = 'pending' AND d.next_attempt_at <= ?"
            " AND (d.lease_until IS NULL OR d.lease_until <= ?)"
            " AND w.active = 1 AND (w.paused_until IS NULL OR w.paused_until <= ?)"
            " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.status = 'pending'"
            "  AND o.webhook_id = d.webhook_id AND o.ordering_key = d.ordering_key"
            "  AND o.id < d.id)),"
            " busy AS (SELECT webhook_id, COUNT(*) AS n FROM webhook_deliveries"
            "  WHERE status = 'pending' AND lease_until > ? GROUP BY webhook_id)"
            " SELECT h.id FROM heads h LEFT JOIN busy b ON b.webhook_id = h.webhook_id"
            " WHERE h.place + COALESCE(b.n, 0) <= ? ORDER BY h.id LIMIT ?",
            (at, at, at, at, per_webhook, limit),
        )
        ids = await self._claim(
            "webhook_deliveries",
            [r[0] for r in rows],
            worker,
            at,
            to_millis(lease_until),
            ours=False,
        )
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        claimed = await self._all(
            f"SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d"
            f" JOIN webhook_events e ON e.id = d.event_id WHERE d.id IN ({marks}) ORDER BY d.id",
            ids,
        )
        return [as_delivery(r) for r in claimed]

    async def delivery_attempted(
        self,
        delivery_id: int,
        *,
        at: datetime,
        status_code: int | None,
        error: str | None,
        delivered: bool,
        retry_at: datetime | None,
        worker: str | None = None,
    ) -> bool:
        if delivered:
            status, next_at = DeliveryStatus.DELIVERED, None
        elif retry_at is not None:
            status, next_at = DeliveryStatus.PENDING, to_millis(retry_at)
        else:
            status, next_at = DeliveryStatus.FAILED, None
        # A worker settles only what it still holds: once its lease ran out and another
        # took the delivery over, its late word is not written over the other's.
        held = "" if worker is None else " AND claimed_by = ? AND status = 'pending'"
        changes = await self._exec(
            "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1,"
            " next_attempt_at = COALESCE(?, next_attempt_at), last_status = ?, last_error = ?,"
            " delivered_at = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?" + held,
            (
                status.value,
                next_at,
                status_code,
                error,
                to_millis(at) if delivered else None,
                delivery_id,
                *([] if worker is None else [worker]),
            ),
        )
        return changes > 0

    async def webhook_answered(self, webhook_id: int, ok: bool) -> int:
        row = await self._one(
            "UPDATE webhooks SET failures = CASE WHEN ? = 1 THEN 0 ELSE failures + 1 END,"
            " paused_until = CASE WHEN ? = 1 THEN NULL ELSE paused_until END"
            " WHERE id = ? RETURNING failures",
            (ok, ok, webhook_id),
        )
        return int(row[0]) if row else 0

    async def pause_webhook(self, webhook_id: int, until: datetime) -> None:
        await self._exec(
            "UPDATE webhooks SET paused_until = ? WHERE id = ?", (to_millis(until), webhook_id)
        )

    async def deliveries(
        self, webhook_id: int | None, limit: int, before_id: int | None = None
    ) -> list[WebhookDelivery]:
        where: list[str] = []
        params: list[Any] = []
        if webhook_id is not None:
            where.append("d.webhook_id = ?")
            params.append(webhook_id)
        if before_id is not None:
            where.append("d.id < ?")
            params.append(before_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = await self._all(
            f"SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d"
            f" JOIN webhook_events e ON e.id = d.event_id{clause} ORDER BY d.id DESC LIMIT ?",
            [*params, limit],
        )
        return [as_delivery(r) for r in rows]

    async def prune_webhook_events(self, before: datetime, limit: int) -> int:
        old = await self._all(
            "SELECT id FROM webhook_events e WHERE at < ? AND NOT EXISTS"
            " (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id"
            "  AND d.status = 'pending') ORDER BY at LIMIT ?",
            (to_millis(before), limit),
        )
        ids = [r[0] for r in old]
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        await self._exec(f"DELETE FROM webhook_deliveries WHERE event_id IN ({marks})", ids)
        await self._exec(f"DELETE FROM webhook_events WHERE id IN ({marks})", ids)
        return len(ids)
