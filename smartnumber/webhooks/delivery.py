"""Delivering webhook events from the outbox: signed the Standard Webhooks way, at least
once, retried with backoff, one at a time per (subscription, contact) so a receiver sees
each contact's events in order. 410 Gone disables the subscription."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import standardwebhooks

from .. import clock, egress, logs, settings
from ..claims import worker_name
from ..errors import UserError
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
# One attempt, whole: connecting, sending, the answer's headers and what of it is read. A
# receiver that trickles bytes is cut off here, not after a read timeout per byte.
ATTEMPT_SECONDS = 10.0
ANSWER_BYTES = 4096  # of a receiver's answer we read at most this much (it is only logged)
LEASE = timedelta(seconds=60)  # a claim a worker that died holds this long at most
# Requests in flight at once. httpcore's pool spends time on every queued request, so
# more than it has connections only slows it down (measured: bench/api.py).
IN_FLIGHT = 16
PER_WEBHOOK = 4  # of those, at most this many to one subscription: none waits on another
PAUSE_AFTER = 5  # failures in a row after which a subscription rests on its own ...
PAUSE_FIRST = timedelta(seconds=30)  # ... this long, doubling each further failure ...
PAUSE_MOST = timedelta(minutes=15)  # ... up to this; a success ends it
USER_AGENT = "smartnumber-webhooks/1"


def pause_for(failures: int) -> timedelta | None:
    """How long a subscription rests after this many failures in a row (None: not yet)."""
    if failures < PAUSE_AFTER:
        return None
    rest: timedelta = PAUSE_FIRST * 2 ** min(failures - PAUSE_AFTER, 16)
    return min(rest, PAUSE_MOST)


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
    """Claims what is due, posts it, records each attempt as it ends, schedules retries.

    Nothing waits for a round: a slot freed by one attempt is filled at once, so a slow
    receiver holds up only its own deliveries (at most PER_WEBHOOK of IN_FLIGHT slots), and
    each attempt ends by ATTEMPT_SECONDS whatever the receiver does. Deliveries are claimed
    with a lease, so several processes on one database never post one twice at once."""

    def __init__(
        self,
        store: Store,
        client: egress.Client,
        *,
        schedule: Sequence[timedelta] = SCHEDULE,
        batch: int = IN_FLIGHT,
        now: Callable[[], datetime] = clock.now,
        keep: timedelta | None = None,
        worker: str | None = None,
        attempt_seconds: float = ATTEMPT_SECONDS,
    ) -> None:
        self.store, self.client, self.schedule = store, client, tuple(schedule)
        self.batch, self.now, self.keep = batch, now, keep
        self.worker = worker or worker_name()
        self.attempt_seconds = attempt_seconds
        self.running: set[asyncio.Task[None]] = set()

    async def deliver_due(self) -> int:
        """Claim what is due now (up to `batch`) and attempt it all; how many."""
        claimed = await self._claim(self.batch)
        await asyncio.gather(*(self._deliver(d, w) for d, w in claimed))
        return len(claimed)

    async def _claim(self, limit: int) -> list[tuple[WebhookDelivery, Webhook]]:
        at = self.now()
        async with self.store.snapshot() as repo:  # idle polls hold no writer up
            if not await repo.due_deliveries(at, 1):
                return []
        async with self.store.transaction() as repo:
            due = await repo.claim_deliveries(self.worker, at, at + LEASE, limit, PER_WEBHOOK)
            if not due:
                return []
            hooks = {w.id: w for w in await repo.webhooks(active_only=False)}
            allowed = (await settings.load(repo))["egress.allow"]
        self.client.policy = egress.Policy.parse(allowed)  # as the admin set it now
        return [(d, hooks[d.webhook_id]) for d in due]

    async def _deliver(self, delivery: WebhookDelivery, webhook: Webhook) -> None:
        attempt = await self._post(delivery, webhook)
        await self._record(delivery, attempt)

    async def _post(self, delivery: WebhookDelivery, webhook: Webhook) -> Attempt:
        event = delivery.event
        headers = signed_headers(webhook, event.event_id, self.now(), event.payload)
        try:
            async with asyncio.timeout(self.attempt_seconds):
                self.client.policy.check_url(webhook.url, "the webhook URL")
                async with self.client.stream(
                    "POST", webhook.url, content=event.payload.encode(), headers=headers
                ) as response:
                    await egress.read_capped(response, ANSWER_BYTES)  # then dropped
        except TimeoutError:
            error = f"no whole answer within {self.attempt_seconds:g} s"
            return Attempt(delivery.id, webhook.id, None, error)
        except UserError as exc:  # refused by egress.allow (or no longer a URL)
            return Attempt(delivery.id, webhook.id, None, str(exc)[:300])
        except httpx.HTTPError as exc:
            return Attempt(delivery.id, webhook.id, None, f"{type(exc).__name__}: {exc}"[:300])
        answered = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return Attempt(delivery.id, webhook.id, response.status_code, answered)

    async def _record(self, delivery: WebhookDelivery, attempt: Attempt) -> None:
        at = self.now()
        retry_at = None
        retry = not attempt.delivered and not attempt.gone
        if retry and delivery.attempts < len(self.schedule):
            retry_at = at + self.schedule[delivery.attempts]
        async with self.store.transaction() as repo:
            held = await repo.delivery_attempted(
                attempt.delivery_id,
                at=at,
                status_code=attempt.status_code,
                error=attempt.error,
                delivered=attempt.delivered,
                retry_at=retry_at,
                worker=self.worker,
            )
            if not held:  # our lease ran out and another worker has it now
                logs.event(log, "webhook attempt late", delivery=delivery.id)
                return
            failures = await repo.webhook_answered(attempt.webhook_id, attempt.delivered)
            rest = pause_for(failures)
            if rest is not None:
                await repo.pause_webhook(attempt.webhook_id, at + rest)
            if attempt.gone:
                await repo.disable_webhook(attempt.webhook_id, "the receiver answered 410 Gone")
        if attempt.gone:
            logs.event(log, "webhook disabled", webhook=attempt.webhook_id, why="410 Gone")
        elif not attempt.delivered:
            logs.event(
                log,
                "webhook attempt failed",
                webhook=attempt.webhook_id,
                event=delivery.event.event_id,
                error=attempt.error,
                retry_at=retry_at.isoformat() if retry_at else "never",
                paused_for=f"{rest.total_seconds():g} s" if rest else None,
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
        """Deliver until stop is set (pruning old events now and then): each attempt a
        task of its own, a freed slot filled at once; a failing database is logged and
        tried again. On stop, attempts under way end (within their deadline)."""
        pruned_at = -PRUNE_SECONDS
        loop = asyncio.get_running_loop()
        settled = asyncio.Event()
        while not stop.is_set():
            started = 0
            settled.clear()
            try:
                if loop.time() - pruned_at >= PRUNE_SECONDS:
                    pruned_at = loop.time()
                    await self.prune()
                free = self.batch - len(self.running)
                for delivery, webhook in await self._claim(free) if free > 0 else []:
                    task = loop.create_task(self._guarded(delivery, webhook))
                    self.running.add(task)
                    task.add_done_callback(self.running.discard)
                    task.add_done_callback(lambda _: settled.set())
                    started += 1
            except Exception as exc:  # the loop must outlive a database hiccup
                logs.event(log, "webhook delivery round failed", error=str(exc))
            if started == 0 or len(self.running) >= self.batch:
                waits = [loop.create_task(stop.wait()), loop.create_task(settled.wait())]
                await asyncio.wait(waits, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
                for waiting in waits:
                    waiting.cancel()
        if self.running:
            await asyncio.wait(set(self.running))

    async def _guarded(self, delivery: WebhookDelivery, webhook: Webhook) -> None:
        try:
            await self._deliver(delivery, webhook)
        except Exception as exc:  # the claim runs out and the delivery is tried again
            logs.event(log, "webhook attempt not recorded", delivery=delivery.id, error=str(exc))


def client(policy: egress.Policy | None = None) -> egress.Client:
    """The HTTP client deliveries go out on: only where egress.allow lets it (the policy is
    read again from the settings each time work is claimed), no redirects followed."""
    return egress.Client(
        policy or egress.Policy(),
        timeout=ATTEMPT_SECONDS,
        limits=httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT),
    )
