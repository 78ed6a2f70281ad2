"""A small FastAGI server: every read bounded by a timeout, stop on EOF, explicit routes.

Asterisk connects for each AGI(agi://host:port/NAME) call, sends a block of
`agi_key: value` lines ended by a blank line, then answers our commands one line each
("200 result=1 (value)"). We run the handler named NAME and close the connection.
panoramisk's server does not stop on a connection closed inside the header block, so
this one is ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger("smartnumber.agi")

MAX_HEADER_LINES = 128
MAX_LINE_BYTES = 8192
_RESPONSE = re.compile(r"^(\d{3}) result=(-?\d+)(?: \((.*)\))?(?: endpos=-?\d+)?$")

Ctx = TypeVar("Ctx")


class AgiError(Exception):
    """The peer broke the protocol, closed, or was too slow."""


@dataclass(frozen=True)
class Response:
    code: int
    result: int
    data: str | None


class AgiSession:
    """One FastAGI connection: the agi_* headers and a way to run commands."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        headers: dict[str, str],
        command_timeout: float,
    ) -> None:
        self.headers = headers
        self.hung_up = False
        self._reader = reader
        self._writer = writer
        self._timeout = command_timeout

    @property
    def script(self) -> str:
        """The NAME of agi://host:port/NAME, without any ?query."""
        return self.headers.get("agi_network_script", "").split("?", 1)[0].strip("/")

    async def command(self, line: str) -> Response:
        if "\n" in line or "\r" in line:
            raise AgiError("refusing to send a command containing a line break")
        self._writer.write(line.encode() + b"\n")
        await self._writer.drain()
        while True:
            text = await self._readline()
            if text == "HANGUP":  # Asterisk tells us the channel hung up; answers still follow
                self.hung_up = True
                continue
            if text.startswith("520-"):  # multi-line usage message
                while not text.startswith("520 "):
                    text = await self._readline()
                return Response(520, -1, None)
            match = _RESPONSE.match(text)
            if not match:
                if text.startswith(("510", "511", "520")):
                    return Response(int(text[:3]), -1, None)
                raise AgiError(f"unexpected AGI response: {text[:80]!r}")
            return Response(int(match[1]), int(match[2]), match[3])

    async def get_variable(self, name: str) -> str | None:
        """A channel variable, or None when it is not set."""
        response = await self.command(f"GET VARIABLE {name}")
        if response.code != 200 or response.result != 1:
            return None
        return response.data or ""

    async def get_full_variable(self, expression: str) -> str | None:
        """An expression Asterisk evaluates on the channel, e.g. ${VAR:0:960}: ours, written
        in a handler, never built from what a caller sent."""
        if " " in expression:
            raise AgiError("GET FULL VARIABLE takes an expression without spaces")
        response = await self.command(f"GET FULL VARIABLE {expression}")
        if response.code != 200 or response.result != 1:
            return None
        return response.data or ""

    async def arg_or_variable(self, index: int, name: str) -> str | None:
        """AGI argument `index` (1-based) when the dialplan passed it (no round trip),
        else the channel variable `name` (a template that does not pass arguments)."""
        key = f"agi_arg_{index}"
        if key in self.headers:
            return self.headers[key]
        return await self.get_variable(name)

    async def set_variable(self, name: str, value: str) -> None:
        await self.command(f"SET VARIABLE {name} {quote(value)}")

    async def _readline(self) -> str:
        try:
            raw = await asyncio.wait_for(self._reader.readline(), self._timeout)
        except TimeoutError:
            raise AgiError("Asterisk did not answer in time") from None
        except (ValueError, asyncio.LimitOverrunError):
            raise AgiError("line too long") from None
        if not raw:
            raise AgiError("connection closed")
        return raw.decode("utf-8", "replace").rstrip("\r\n")


def quote(value: str) -> str:
    """A SET VARIABLE argument: one line, quoted, backslashes and quotes escaped."""
    flat = " ".join(value.splitlines())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    """The agi_* block up to its blank line; AgiError on EOF, garbage or too many lines."""
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        try:
            raw = await reader.readline()
        except (ValueError, asyncio.LimitOverrunError):
            raise AgiError("header line too long") from None
        if not raw:
            raise AgiError("connection closed inside the AGI header block")
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            return headers
        key, sep, value = line.partition(":")
        if not sep or not key.startswith("agi_"):
            raise AgiError(f"not an AGI header line: {line[:80]!r}")
        headers[key] = value.strip()
    raise AgiError("AGI header block too long")


Handler = Callable[[AgiSession, Ctx], Awaitable[None]]


class FastAgiServer(Generic[Ctx]):
    """Serves the handlers of an explicit route table, each given the shared context."""

    def __init__(
        self,
        routes: Mapping[str, Handler[Ctx]],
        context: Ctx,
        *,
        header_timeout: float = 5.0,
        command_timeout: float = 5.0,
    ) -> None:
        self.routes = dict(routes)
        self.context = context
        self.header_timeout = header_timeout
        self.command_timeout = command_timeout
        self.active = 0  # connections being served now
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> asyncio.Server:
        # A burst of calls arrives at once: a deep accept queue, not the default 100.
        self._server = await asyncio.start_server(
            self._serve, host, port, limit=MAX_LINE_BYTES, reuse_address=True, backlog=1024
        )
        return self._server

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.active += 1
        peer = writer.get_extra_info("peername")
        try:
            try:
                headers = await asyncio.wait_for(read_headers(reader), self.header_timeout)
            except TimeoutError:
                log.warning("AGI peer %s sent no complete header block in time", peer)
                return
            session = AgiSession(reader, writer, headers, self.command_timeout)
            handler = self.routes.get(session.script)
            if handler is None:
                log.warning("AGI peer %s asked for unknown script %r", peer, session.script[:80])
                return
            await handler(session, self.context)
        except AgiError as exc:
            log.warning("AGI peer %s: %s", peer, exc)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            log.warning("AGI peer %s: connection lost: %s", peer, exc)
        except Exception:
            log.exception("AGI handler failed for peer %s", peer)
        finally:
            self.active -= 1
            writer.close()
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)
