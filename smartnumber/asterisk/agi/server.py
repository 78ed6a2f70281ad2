"""A small FastAGI server: every read and every session bounded, stop on EOF, explicit
routes, a shared token, a cap on sessions.

Asterisk connects for each AGI(agi://host:port/NAME?token=T) call, sends a block of
`agi_key: value` lines ended by a blank line, then answers our commands one line each
("200 result=1 (value)"). We check the token (anyone who can reach the port could
otherwise pose as Asterisk and, say, unsubscribe a contact), run the handler named
NAME and close the connection. A whole session has a deadline, however the peer
dribbles. Past `max_sessions` at once, a call is told FALLBACK straight away rather
than queued. panoramisk's server does not stop on a connection closed inside the
header block, so this one is ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs

log = logging.getLogger("smartnumber.agi")

MAX_HEADER_LINES = 128
MAX_LINE_BYTES = 8192
MAX_USAGE_LINES = 64  # a 520- usage text is a screenful; an endless one is an attack
MAX_HANGUP_NOTICES = 4  # Asterisk says HANGUP once; a stream of them is not Asterisk
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
        asked_at: float | None = None,
    ) -> None:
        self.headers = headers
        # When Asterisk connected (the event loop's clock): budgets count from here.
        self.asked_at = asyncio.get_running_loop().time() if asked_at is None else asked_at
        self.hung_up = False
        self._reader = reader
        self._writer = writer
        self._timeout = command_timeout

    @property
    def script(self) -> str:
        """The NAME of agi://host:port/NAME, without any ?query."""
        return script_of(self.headers)

    async def command(self, line: str) -> Response:
        if "\n" in line or "\r" in line:
            raise AgiError("refusing to send a command containing a line break")
        self._writer.write(line.encode() + b"\n")
        await self._writer.drain()
        hangups = 0
        while True:
            text = await self._readline()
            if text == "HANGUP":  # Asterisk tells us the channel hung up; answers still follow
                self.hung_up = True
                hangups += 1
                if hangups > MAX_HANGUP_NOTICES:
                    raise AgiError("a stream of HANGUP lines instead of an answer")
                continue
            if text.startswith("520-"):  # multi-line usage message
                for _ in range(MAX_USAGE_LINES):
                    text = await self._readline()
                    if text.startswith("520 "):
                        return Response(520, -1, None)
                raise AgiError("a 520 usage text that does not end")
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
            async with asyncio.timeout(self._timeout):  # not wait_for: no task per line
                raw = await self._reader.readline()
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
    """The agi_* block up to its blank line, read at once (Asterisk sends some twenty
    lines; reading them one by one cost more than deciding the call); AgiError on EOF,
    garbage, or a block past MAX_LINE_BYTES or MAX_HEADER_LINES."""
    try:
        block = await reader.readuntil(b"\n\n")
    except asyncio.IncompleteReadError:
        raise AgiError("connection closed inside the AGI header block") from None
    except (ValueError, asyncio.LimitOverrunError):
        raise AgiError("AGI header block too long") from None
    lines = block.decode("utf-8", "replace").split("\n")[:-2]
    if len(lines) > MAX_HEADER_LINES:
        raise AgiError("AGI header block too long")
    headers: dict[str, str] = {}
    for raw in lines:
        line = raw.rstrip("\r")
        key, sep, value = line.partition(":")
        if not sep or not key.startswith("agi_"):
            raise AgiError(f"not an AGI header line: {line[:80]!r}")
        headers[key] = value.strip()
    return headers


def script_of(headers: Mapping[str, str]) -> str:
    """The NAME of agi://host:port/NAME?query."""
    return headers.get("agi_network_script", "").split("?", 1)[0].strip("/")


def token_of(headers: Mapping[str, str]) -> str:
    """The token=T of agi://host:port/NAME?token=T, or ''."""
    query = headers.get("agi_network_script", "").partition("?")[2]
    return parse_qs(query).get("token", [""])[0]


class Throttled:
    """Warnings about misbehaving peers, at most `burst` per `period` seconds: a flood of
    bad connections must not flood the log too. What was held back is counted."""

    def __init__(self, logger: logging.Logger, burst: int = 10, period: float = 60.0) -> None:
        self._log = logger
        self._burst = burst
        self._period = period
        self._window_start = -period
        self._sent = 0
        self.suppressed = 0

    def warning(self, message: str, *args: Any) -> None:
        now = time.monotonic()
        if now - self._window_start >= self._period:
            if self.suppressed:
                self._log.warning(
                    "%d more warnings about AGI peers were held back", self.suppressed
                )
            self._window_start, self._sent, self.suppressed = now, 0, 0
        if self._sent < self._burst:
            self._sent += 1
            self._log.warning(message, *args)
        else:
            self.suppressed += 1


Handler = Callable[[AgiSession, Ctx], Awaitable[None]]
# What a session over the cap is told: the status variables only, then goodbye.
Overloaded = Callable[[AgiSession], Awaitable[None]]


class FastAgiServer(Generic[Ctx]):
    """Serves the handlers of an explicit route table, each given the shared context."""

    def __init__(
        self,
        routes: Mapping[str, Handler[Ctx]],
        context: Ctx,
        *,
        token: str,
        header_timeout: float = 5.0,
        command_timeout: float = 5.0,
        session_timeout: float = 10.0,
        max_sessions: int = 2000,
        overloaded: Overloaded | None = None,
    ) -> None:
        if len(token) < 16:
            raise ValueError("the FastAGI token must be at least 16 characters")
        self.routes = dict(routes)
        self.context = context
        self.header_timeout = header_timeout
        self.command_timeout = command_timeout
        self.session_timeout = session_timeout
        self.max_sessions = max_sessions
        self.active = 0  # connections being served now
        self.refused = 0  # sessions answered at once because the cap was reached
        self._token = token.encode()
        self._overloaded = overloaded
        self._warn = Throttled(log)
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
        asked_at = asyncio.get_running_loop().time()
        self.active += 1
        peer = writer.get_extra_info("peername")
        try:
            # One deadline for the whole session, however slowly the peer dribbles.
            async with asyncio.timeout(self.session_timeout):
                await self._session(reader, writer, peer, asked_at)
        except TimeoutError:
            self._warn.warning(
                "AGI peer %s: session took longer than %ss", peer, self.session_timeout
            )
        except AgiError as exc:
            self._warn.warning("AGI peer %s: %s", peer, exc)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            self._warn.warning("AGI peer %s: connection lost: %s", peer, exc)
        except Exception:
            log.exception("AGI handler failed for peer %s", peer)
        finally:
            self.active -= 1
            writer.close()
            with contextlib.suppress(TimeoutError, ConnectionError):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()

    async def _session(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        peer: object,
        asked_at: float,
    ) -> None:
        try:
            async with asyncio.timeout(self.header_timeout):
                headers = await read_headers(reader)
        except TimeoutError:
            raise AgiError("no complete header block in time") from None
        if not hmac.compare_digest(token_of(headers).encode(), self._token):
            self._warn.warning("AGI peer %s: refused, wrong or missing token", peer)
            return
        session = AgiSession(reader, writer, headers, self.command_timeout, asked_at)
        handler = self.routes.get(session.script)
        if handler is None:
            self._warn.warning("AGI peer %s asked for unknown script %r", peer, session.script[:80])
            return
        if self.active > self.max_sessions:
            self.refused += 1
            self._warn.warning("%d FastAGI sessions at once: answering at once", self.active)
            if self._overloaded is not None:
                await self._overloaded(session)
            return
        await handler(session, self.context)
