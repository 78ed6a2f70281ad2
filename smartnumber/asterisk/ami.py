"""One long-lived AMI connection (panoramisk), kept up by us.

panoramisk reconnects on its own after a fixed delay and pings without a deadline;
here a supervisor owns the lifecycle instead: log in, ping every `ping_interval`
seconds and drop the connection when a pong does not come within `ping_timeout`, then
reconnect with exponential backoff. Asterisk restarts are survived without help.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from panoramisk import Manager

from .. import logs
from ..errors import UserError

log = logging.getLogger("smartnumber.ami")


@dataclass(frozen=True)
class AmiConfig:
    host: str
    port: int
    username: str
    secret: str
    ping_interval: float = 10.0
    ping_timeout: float = 5.0
    login_timeout: float = 5.0
    backoff_first: float = 0.5
    backoff_max: float = 30.0
    # AMI event classes to receive. Parsing events costs real CPU at high call rates
    # (profiled: most of the service's busy time at 120 calls/s with "on"), so none until
    # a feature needs some, e.g. "call".
    events: str = "off"


def cli_login(values: Mapping[str, str], events: str) -> AmiConfig:
    """The CLI's own AMI login (setting ami.cli_username): it may originate and follow
    its calls, not read system events. The routing service places the HTTP API's
    click-to-calls with it too."""
    return AmiConfig(
        values["ami.bind"],
        int(values["ami.port"]),
        values["ami.cli_username"],
        values["ami.cli_secret"],
        events=events,
    )


class AmiLink:
    """Keeps one logged-in AMI session; `connected` says whether it is up right now."""

    def __init__(self, config: AmiConfig) -> None:
        self.config = config
        self.connected = asyncio.Event()
        self.connects = 0  # successful logins so far (a reconnect counts again)
        self._manager: Any = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[tuple[str, Callable[[dict[str, str]], None]]] = []

    def on_event(self, pattern: str, callback: Callable[[dict[str, str]], None]) -> None:
        """Call back for AMI events matching pattern (fnmatch), on every connection."""
        self._listeners.append((pattern, callback))

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name="ami-link")

    async def send(
        self, action: dict[str, Any], timeout: float = 10.0, as_list: bool | None = None
    ) -> Any:
        """Send one action on the current connection and wait for its response. Never
        sent twice: if the connection drops before the response, ConnectionError, and the
        caller finds out what happened (the action may or may not have run)."""
        manager = self._manager
        if manager is None or not self.connected.is_set():
            raise ConnectionError("not connected to the AMI")
        lost = asyncio.create_task(self._lost.wait())
        response = asyncio.ensure_future(manager.send_action(dict(action), as_list=as_list))
        try:
            done, _ = await asyncio.wait(
                {response, lost}, timeout=timeout, return_when="FIRST_COMPLETED"
            )
        finally:
            lost.cancel()
        if response in done:
            return response.result()
        response.cancel()
        if self._lost.is_set():
            raise ConnectionError(f"AMI connection lost before {action['Action']} was answered")
        raise TimeoutError(f"no AMI response to {action['Action']} within {timeout}s")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._drop()

    async def _supervise(self) -> None:
        delay = self.config.backoff_first
        while True:
            try:
                await self._session()
                delay = self.config.backoff_first  # it was up: start the backoff over
            except (OSError, TimeoutError, ConnectionError) as exc:
                logs.event(
                    log,
                    "AMI connection failed",
                    error=str(exc) or type(exc).__name__,
                    retry_in=delay,
                )
            finally:
                self._drop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.backoff_max)

    async def _session(self) -> None:
        cfg = self.config
        loop = asyncio.get_running_loop()
        self._lost.clear()
        manager = Manager(
            host=cfg.host,
            port=cfg.port,
            username=cfg.username,
            secret=cfg.secret,
            loop=loop,
            ping_delay=10**9,
            reconnect_timeout=10**9,  # we ping and reconnect
            events=cfg.events,
            # panoramisk re-sends an action left unanswered by a dropped connection once it
            # reconnects: never for these, which must happen at most once.
            forgetable_actions=("ping", "login", "originate", "hangup"),
        )
        manager.connection_lost = lambda exc: loop.call_soon_threadsafe(self._lost.set)
        for pattern, callback in self._listeners:
            manager.register_event(pattern, lambda _m, msg, cb=callback: cb(dict(msg)))
        self._manager = manager
        await manager.connect()  # raises OSError when nothing listens
        # connect()'s own done-callback has sent Login by now; wait for its answer.
        login = manager.authenticated_future
        if login is None:
            raise ConnectionError("AMI login was not sent")
        try:
            answer = await asyncio.wait_for(asyncio.shield(login), cfg.login_timeout)
        except TimeoutError:
            raise TimeoutError("AMI login timed out") from None
        if not answer.success:
            raise ConnectionError("AMI login refused (check ami.username / ami.secret)")
        self.connects += 1
        self.connected.set()
        logs.event(log, "AMI connected", host=cfg.host, port=cfg.port, connects=self.connects)
        while True:
            lost = asyncio.create_task(self._lost.wait())
            try:
                await asyncio.wait_for(asyncio.shield(lost), cfg.ping_interval)
            except TimeoutError:
                pass
            finally:
                lost.cancel()
            if self._lost.is_set():
                raise ConnectionError("AMI connection closed")
            try:
                await asyncio.wait_for(manager.send_action({"Action": "Ping"}), cfg.ping_timeout)
            except TimeoutError:
                raise TimeoutError(f"no AMI pong within {cfg.ping_timeout}s") from None

    def _drop(self) -> None:
        was_up = self.connected.is_set()
        self.connected.clear()
        if self._manager is not None:
            self._manager.connection_lost = lambda exc: None
            with contextlib.suppress(Exception):
                self._manager.close()
            self._manager = None
        if was_up:
            logs.event(log, "AMI disconnected")


@asynccontextmanager
async def command_session(
    config: AmiConfig,
    on_event: Callable[[dict[str, str]], None] | None = None,
    within: float = 15.0,
) -> AsyncIterator[AmiLink]:
    """An AMI connection for one CLI command: logged in within `within` seconds (else a
    one-line UserError), every event to `on_event`, stopped when the block ends."""
    link = AmiLink(config)
    if on_event is not None:
        link.on_event("*", on_event)
    link.start()
    try:
        try:
            await asyncio.wait_for(link.connected.wait(), within)
        except TimeoutError:
            raise UserError(f"cannot reach Asterisk's AMI at {config.host}:{config.port}") from None
        yield link
    finally:
        await link.stop()
