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


@dataclass
class RawReceiver:
    """A receiver that misbehaves at the HTTP level, on a free loopback port: `trickle`
    answers one byte of its status line every half second and never finishes; `huge`
    answers 200 with a body of `huge_bytes`, as fast as the client takes it; `redirect`
    answers 307 to `location`. It counts connections open and bytes it sent."""

    mode: str = "trickle"
    huge_bytes: int = 300 * 1024 * 1024
    location: str = ""
    port: int = field(default_factory=free_tcp_port)
    requests: int = 0
    open_now: int = 0
    sent: int = 0
    _server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/raw"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open_now += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            self.requests += 1
            if self.mode == "trickle":
                for byte in b"HTTP/1.1 200 OK\r\n" * 1000:
                    writer.write(bytes([byte]))
                    await writer.drain()
                    self.sent += 1
                    await asyncio.sleep(0.5)
            elif self.mode == "huge":
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % self.huge_bytes)
                chunk = b"x" * 65536
                while self.sent < self.huge_bytes:
                    writer.write(chunk)
                    await writer.drain()
                    self.sent += len(chunk)
            else:
                writer.write(
                    b"HTTP/1.1 307 Temporary Redirect\r\nlocation: %s\r\n"
                    b"content-length: 0\r\n\r\n" % self.location.encode()
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client hung up: what the tests want to see it do
        finally:
            self.open_now -= 1
            writer.close()
