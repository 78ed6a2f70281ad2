"""A TCP proxy between a client and a server that can drop the connection at a chosen
moment: after the client has sent a given message (which is forwarded first, whole up
to its blank line, as AMI messages end)."""

from __future__ import annotations

import asyncio
import contextlib


class CuttingProxy:
    """Forwards 127.0.0.1:<port> to target. The first connection whose client stream
    contains `cut_after` is closed on both sides right after those bytes are forwarded,
    before the server's answer can come back; later connections pass untouched."""

    def __init__(self, target_port: int, cut_after: bytes) -> None:
        self.target_port = target_port
        self.cut_after = cut_after
        self.cuts = 0
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        cut = asyncio.Event()
        up = asyncio.create_task(self._pump(client_r, server_w, cut, watch=self.cuts == 0))
        down = asyncio.create_task(self._pump(server_r, client_w, cut, watch=False))
        self._tasks |= {up, down}
        await cut.wait()
        for task in (up, down):
            task.cancel()
        for writer in (client_w, server_w):
            writer.close()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        cut: asyncio.Event,
        *,
        watch: bool,
    ) -> None:
        seen = b""
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
                seen = (seen + data)[-8192:]
                at = seen.find(self.cut_after)
                # Cut once the whole message (up to its blank line) has gone through.
                if watch and at >= 0 and seen.find(b"\r\n\r\n", at) >= 0 and self.cuts == 0:
                    self.cuts += 1
                    break
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                cut.set()
