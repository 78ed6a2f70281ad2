"""Request limits: bodies over the size limit are refused before they are read whole,
and each token (or address, before it has one) gets a steady rate with some burst."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import log_refusal, problem


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
