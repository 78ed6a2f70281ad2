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

import uvicorn

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


async def serve(
    db: Path,
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
    db: Path,
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
        proxy_headers=False,  # behind a proxy, its address is all we see; it terminates TLS
        lifespan="off",
    )
    server = _Server(config)
    try:  # bound here, so a port in use is one clear line, not uvicorn's exit
        listening = socket.create_server((host, port), reuse_port=False)
    except OSError as exc:
        raise UserError(f"cannot start: cannot listen on {host}:{port}: {exc.strerror}") from None
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
            for task in list(app.state.tasks):
                task.cancel()
            stopping.cancel()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
