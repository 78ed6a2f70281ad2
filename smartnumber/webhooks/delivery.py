"""Delivering webhook events from the outbox: signed the Standard Webhooks way, at least
once, retried with backoff, one at a time per (subscription, contact) so a receiver sees
each contact's events in order. 410 Gone disables the subscription."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import standardwebhooks

from .. import clock, logs
from ..model import Webhook, WebhookDelivery
from ..storage.repository import Store

log = logging.getLogger("smartnumber.webhooks")

# Delays before attempts 2..8: Svix's schedule (the Standard Webhooks authors'), 8 attempts
# over about 27.5 hours, so a receiver down for a day still gets everything.
SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
POLL_SECONDS = 0.5  # events written by other processes wait at most this long
PRUNE_SECONDS = 3600.0  # events older than webhooks.keep_days are forgotten this often
PRUNE_BATCH = 5000  # events a prune transaction deletes, so no writer waits long
TIMEOUT_SECONDS = 10.0  # a receiver has this long to answer one attempt
# Requests in flight at once. httpcore's pool spends time on every queued request, so
# more than it has connections only slows it down (measured: bench/api.py).
IN_FLIGHT = 16
USER_AGENT = "smartnumber-webhooks/1"


def signed_headers(webhook: Webhook, event_id: str, at: datetime, payload: str) -> dict[str, str]:
    """The headers of one attempt: webhook-id, -timestamp and a v1 HMAC-SHA256 signature
    made by the standardwebhooks library, the one receivers verify with."""
    signature = standardwebhooks.Webhook(webhook.secret).sign(event_id, at, payload)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


@dataclass(frozen=True)
class Attempt:
    """What one POST came to."""

    delivery_id: int
    webhook_id: int
    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


class Deliverer:
    """Sends what is due, records each attempt, schedules retries."""

    def __init__(
        self,
        store: Store,
        client: httpx.AsyncClient,
        *,
        schedule: Sequence[timedelta] = SCHEDULE,
        batch: int = 200,
        now: Callable[[], datetime] = clock.now,
        keep: timedelta | None = None,
    ) -> None:
        self.store, self.client, self.schedule = store, client, tuple(schedule)
        self.batch, self.now, self.keep = batch, now, keep
        self.in_flight = asyncio.Semaphore(IN_FLIGHT)

    async def deliver_due(self) -> int:
        """One round: every delivery due now that heads its queue. Returns how many."""
        async with self.store.snapshot() as repo:  # holds no writer up while idle
            due = await repo.due_deliveries(self.now(), self.batch)
            if not due:
                return 0
            hooks = {w.id: w for w in await repo.webhooks(active_only=False)}
        attempts = await asyncio.gather(*(self._post(d, hooks[d.webhook_id]) for d in due))
        await self._record(due, attempts)
        return len(due)

    async def _post(self, delivery: WebhookDelivery, webhook: Webhook) -> Attempt:
        event = delivery.event
        try:
            async with self.in_flight:
                headers = signed_headers(webhook, event.event_id, self.now(), event.payload)
                response = await self.client.post(
                    webhook.url, content=event.payload.encode(), headers=headers
                )
        except httpx.HTTPError as exc:
            return Attempt(delivery.id, webhook.id, None, f"{type(exc).__name__}: {exc}"[:300])
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return Attempt(delivery.id, webhook.id, response.status_code, error)

    async def _record(self, due: Sequence[WebhookDelivery], attempts: Sequence[Attempt]) -> None:
        at = self.now()
        async with self.store.transaction() as repo:
            for delivery, attempt in zip(due, attempts, strict=True):
                retry_at = None
                retry = not attempt.delivered and not attempt.gone
                if retry and delivery.attempts < len(self.schedule):
                    retry_at = at + self.schedule[delivery.attempts]
                await repo.delivery_attempted(
                    attempt.delivery_id,
                    at=at,
                    status_code=attempt.status_code,
                    error=attempt.error,
                    delivered=attempt.delivered,
                    retry_at=retry_at,
                )
                if attempt.gone:
                    await repo.disable_webhook(attempt.webhook_id, "the receiver answered 410 Gone")
                    logs.event(log, "webhook disabled", webhook=attempt.webhook_id, why="410 Gone")
                elif not attempt.delivered:
                    logs.event(
                        log,
                        "webhook attempt failed",
                        webhook=attempt.webhook_id,
                        event=delivery.event.event_id,
                        error=attempt.error,
                        retry_at=retry_at.isoformat() if retry_at else "never",
                    )

    async def prune(self) -> int:
        """Forget events older than `keep` that nothing waits to deliver; how many."""
        if self.keep is None:
            return 0
        before, gone = self.now() - self.keep, 0
        while True:
            async with self.store.transaction() as repo:
                batch = await repo.prune_webhook_events(before, PRUNE_BATCH)
            gone += batch
            if batch < PRUNE_BATCH:
                break
        if gone:
            logs.event(log, "webhook events pruned", events=gone, before=before.isoformat())
        return gone

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until stop is set (pruning old events now and then); a failing
        database is logged and tried again."""
        pruned_at = -PRUNE_SECONDS
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            try:
                if loop.time() - pruned_at >= PRUNE_SECONDS:
                    pruned_at = loop.time()
                    await self.prune()
                sent = await self.deliver_due()
            except Exception as exc:  # the loop must outlive a database hiccup
                logs.event(log, "webhook delivery round failed", error=str(exc))
                sent = 0
            if sent == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), POLL_SECONDS)


def client() -> httpx.AsyncClient:
    """The HTTP client deliveries go out on: no redirects followed, bounded time."""
    return httpx.AsyncClient(
        timeout=TIMEOUT_SECONDS,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT),
    )
