"""A webhook receiver for tests: a real HTTP server (Starlette under uvicorn, on a free
loopback port) that verifies every delivery with the stock `standardwebhooks` library,
as a CRM would, and keeps what it accepted. It can be down, or answer 410 Gone."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import standardwebhooks
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lab.ports import free_tcp_port


@dataclass
class Received:
    webhook_id: str
    type: str
    data: dict[str, Any]
    timestamp: str


@dataclass
class Receiver:
    secret: str = ""  # set once the subscription exists (it makes the secret)
    port: int = field(default_factory=free_tcp_port)
    answer: int = 204  # what to answer a verified delivery
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why unverifiable deliveries failed
    attempts: int = 0
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/smartnumber"

    async def _hook(self, request: Request) -> Response:
        self.attempts += 1
        body = await request.body()
        try:
            payload = standardwebhooks.Webhook(self.secret).verify(body, dict(request.headers))
        except standardwebhooks.WebhookVerificationError as exc:
            self.refused.append(str(exc))
            return Response(status_code=400)
        if self.answer < 300:
            self.received.append(
                Received(
                    request.headers["webhook-id"],
                    payload["type"],
                    payload["data"],
                    payload["timestamp"],
                )
            )
        return Response(status_code=self.answer)

    async def start(self) -> None:
        app = Starlette(routes=[Route("/hooks/smartnumber", self._hook, methods=["POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            assert not self._task.done(), "the receiver could not start"
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.type == event_type]

    async def wait_for(
        self, event_type: str, count: int = 1, timeout: float = 15.0
    ) -> list[Received]:
        """The first `count` events of this type, once they have arrived (or fail)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(found := self.of_type(event_type)) < count:
            assert loop.time() < deadline, (
                f"{count} {event_type} not received; got {[r.type for r in self.received]},"
                f" refused {self.refused}"
            )
            await asyncio.sleep(0.05)
        return found[:count]


def body_of(received: Received) -> str:
    return json.dumps(received.data, sort_keys=True)
