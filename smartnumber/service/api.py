"""`smartnumber api`: the HTTP API (api/) under uvicorn, and the webhook deliverer beside it, in
one process apart from the routing service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .. import logs, settings
from ..api.app import create_app
from ..errors import StorageError, UserError
from ..storage import Store, open_store
from ..webhooks import delivery

log = logging.getLogger("smartnumber.api")


class _Server(uvicorn.Server):
    """uvicorn, leaving SIGTERM and SIGINT to us (they stop the deliverer too)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            config = self.config
            logs.event(log, "API listening", host=config.host, port=config.port)


HEADER_SECONDS = 10.0  # a request's line and headers must be whole within this


class HeaderDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline on each request's line and headers: a
    client that connects (or starts a request) and then trickles, holding a connection
    for ever, is dropped. uvicorn itself only times out idle keep-alive connections."""

    header_seconds = HEADER_SECONDS
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE and self._deadline is not None:
            self._deadline.cancel()  # the headers are in
            self._deadline = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()  # the next request on this connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.header_seconds, self._expire)

    def _expire(self) -> None:
        self._deadline = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


async def serve(
    db: str | Path,
    host: str | None,
    port: int | None,
    *,
    log_level: str = "info",
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT (or `stop`); host and port default to the api.bind and
    api.port settings."""
    try:
        store = await open_store(db, create=False)
    except StorageError as exc:
        raise UserError(f"cannot start: {exc}") from None
    try:
        async with store.transaction() as repo:
            values = await settings.load(repo)
        await _run(
            store,
            db,
            host or values["api.bind"],
            port or int(values["api.port"]),
            float(values["api.rate_limit"]),
            timedelta(days=int(values["webhooks.keep_days"])),
            log_level,
            stop or asyncio.Event(),
        )
    finally:
        await store.close()


async def _run(
    store: Store,
    db: str | Path,
    host: str,
    port: int,
    rate: float,
    keep: timedelta,
    log_level: str,
    stop: asyncio.Event,
) -> None:
    logs.setup(log_level)
    app = create_app(store, db, rate=rate)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # our own log lines (logs.setup)
        access_log=False,
        server_header=False,
        http=HeaderDeadline,
        proxy_headers=False,  # behind a proxy, its address is all we see; it terminates TLS
        lifespan="off",
    )
    server = _Server(config)
    try:  # bound here, so a port in use is one clear line, not uvicorn's exit
        listening = socket.create_server((host, port), reuse_port=False)
    except OSError as exc:
        raise UserError(f"cannot start: cannot listen on {host}:{port}: {exc.strerror}") from None
    if not settings.is_loopback(host):
        logs.event(
            log,
            "API not on loopback",
            host=host,
            warning="anyone who reaches this address reaches the API: put a TLS proxy in"
            " front and a firewall around it (api.bind 127.0.0.1 is the default)",
        )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with delivery.client() as client:
        deliverer = delivery.Deliverer(store, client, keep=keep)
        delivering = asyncio.create_task(deliverer.run(stop))
        serving = asyncio.create_task(server.serve(sockets=[listening]))
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if serving.done() and not server.started:
                raise UserError(f"cannot start: the API on {host}:{port} did not come up")
            logs.event(log, "stopping")
        finally:
            stop.set()
            server.should_exit = True
            with contextlib.suppress(Exception):
                await serving
            await delivering
            stopping.cancel()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
