"""Request limits: bodies over the size limit are refused before they are read whole,
and each token (or address, before it has one) gets a steady rate with some burst --
counted in the store, so that several API processes (nodes) share one limit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import logs
from ..errors import StorageError
from .problems import log_refusal, problem

log = logging.getLogger("smartnumber.api")


class BodyLimit:
    """ASGI middleware: 413 for a body over `max_bytes`, by its Content-Length, or counted
    as it streams in when it has none (then read here, before the app sees it)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        if declared is not None:
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked): read it here, counting, and hand the app the whole.
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # the client went away
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        whole: list[Message] = [{"type": "http.request", "body": bytes(body), "more_body": False}]

        async def replay() -> Message:
            return whole.pop() if whole else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        log_refusal(scope["method"], scope["path"], 413)
        response = problem(413, f"the request body is over {self.max_bytes} bytes")
        await response(scope, receive, send)


@dataclass
class Bucket:
    tokens: float
    updated: float = field(default_factory=time.monotonic)


class RateLimit:
    """A token bucket per key: `rate` requests a second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, Bucket] = {}

    def spent(self, key: str) -> bool:
        """True when the key's bucket is empty now (nothing is taken from it)."""
        bucket = self.buckets.get(key)
        if bucket is None:
            return False
        refill = (time.monotonic() - bucket.updated) * self.rate
        return min(self.burst, bucket.tokens + refill) < 1

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        bucket = self.buckets.setdefault(key, Bucket(float(self.burst), now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True


# take(key, rate, burst, want): up to `want` tokens from the shared bucket (app/tokens.py)
Take = Callable[[str, float, int, int], Awaitable[int]]


@dataclass
class Held:
    """What this process holds of one shared bucket."""

    allowance: int = 0  # tokens taken from the store, not spent yet
    spent_until: float = 0.0  # the store said the bucket is empty: refuse until then
    asking: asyncio.Task[None] | None = None


class SharedRateLimit:
    """A token bucket per key, kept in the store and shared by every API process: each
    takes a few tokens at a time (`slice`) and spends them here, asking for more before
    they run out, so a request seldom waits for the store, and then briefly. When the
    store does not answer within `wait` (locked, unreachable), this process's own bucket
    decides: a limit that cannot be counted together fails open per process, never by
    refusing everyone."""

    def __init__(
        self, name: str, take: Take, rate: float, burst: int, *, wait: float = 0.05
    ) -> None:
        self.name, self.take, self.rate, self.burst, self.wait = name, take, rate, burst, wait
        self.slice = max(1, min(burst // 4, math.ceil(rate / 10)))  # ~0.1 s worth
        self.held: dict[str, Held] = {}
        self.own = RateLimit(rate, burst)  # when the store cannot tell

    def spent(self, key: str) -> bool:
        """True when the key's bucket is known to be empty now (nothing is taken)."""
        held = self.held.get(key)
        if held is None or held.allowance > 0:
            return False
        return time.monotonic() < held.spent_until or self.own.spent(key)

    async def allow(self, key: str) -> bool:
        """Spend one token of `key`'s: False when the shared bucket is empty."""
        held = self.held.setdefault(key, Held())
        if held.allowance == 0 and time.monotonic() >= held.spent_until:
            asking = self._ask(key, held)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(asking), self.wait)
        if held.allowance > 0:
            held.allowance -= 1
            if held.allowance < self.slice // 2:
                self._ask(key, held)  # the next slice, before this one runs out
            return True
        if time.monotonic() < held.spent_until:
            return False
        return self.own.allow(key)  # the store did not answer in time

    def _ask(self, key: str, held: Held) -> asyncio.Task[None]:
        if held.asking is None or held.asking.done():
            held.asking = asyncio.get_running_loop().create_task(self._take(key, held))
        return held.asking

    async def _take(self, key: str, held: Held) -> None:
        try:
            taken = await self.take(key, self.rate, self.burst, self.slice)
        except StorageError as exc:
            logs.event(log, "rate limit counted per process", limit=self.name, error=str(exc))
            return
        held.allowance += taken
        if taken == 0:  # empty: about the time one token takes to come back
            held.spent_until = time.monotonic() + 1 / self.rate
