"""The outbox's transport in the routing service: each text leaves by its Smart
Number's carrier -- Telnyx or Twilio over HTTPS, or SIP MESSAGE over the trunk when the
number names none.

A carrier that fails (5xx, timeouts, refused credentials) is left alone for a while,
2 s doubling to 5 minutes: its texts wait in the outbox, in order, without a request
each second; the first text after the pause tries again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

import httpx

from ... import settings
from ...model import Carrier, CarrierKind, Outgoing
from ...storage.repository import Store
from . import registry, telnyx, twilio, wire

FIRST_PAUSE = timedelta(seconds=2)
LONGEST_PAUSE = timedelta(minutes=5)
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
SEND: dict[
    CarrierKind,
    Callable[[httpx.AsyncClient, Carrier, Outgoing, str | None], Awaitable[str]],
] = {CarrierKind.TELNYX: telnyx.send, CarrierKind.TWILIO: twilio.send}


class SipTransport(Protocol):
    async def deliver(self, message: Outgoing) -> None: ...


def status_url(public_url: str, carrier: Carrier) -> str | None:
    """Where the carrier should post receipts: our API's public address, if one is set."""
    if not public_url:
        return None
    return f"{public_url.rstrip('/')}/v1/carriers/{carrier.name}/status"


class Transports:
    def __init__(
        self,
        store: Store,
        sip: SipTransport,
        now: Callable[[], datetime],
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._store = store
        self._sip = sip
        self._now = now
        self._client = client or httpx.AsyncClient(timeout=TIMEOUT)
        self._paused: dict[int, tuple[datetime, timedelta]] = {}  # carrier id: until, pause

    async def close(self) -> None:
        await self._client.aclose()

    async def deliver(self, message: Outgoing) -> wire.Handed | None:
        async with self._store.snapshot() as repo:
            number = await repo.number_by_e164(message.sender)
            carrier = await registry.of_number(repo, number) if number else None
            public_url = (await settings.load(repo))["api.public_url"] if carrier else ""
        if carrier is None or carrier.kind is CarrierKind.SIP:
            await self._sip.deliver(message)
            return None
        paused = self._paused.get(carrier.id)
        if paused is not None and self._now() < paused[0]:
            raise wire.Unreachable(
                f"{carrier.name} failed just now; trying again at {paused[0]:%H:%M:%S}"
            )
        try:
            message_id = await SEND[carrier.kind](
                self._client, carrier, message, status_url(public_url, carrier)
            )
        except (wire.Unreachable, httpx.TransportError) as exc:
            pause = min(paused[1] * 2, LONGEST_PAUSE) if paused else FIRST_PAUSE
            self._paused[carrier.id] = (self._now() + pause, pause)
            if isinstance(exc, wire.Unreachable):
                raise
            raise wire.Unreachable(f"{carrier.name} could not be reached: {exc!r}") from None
        self._paused.pop(carrier.id, None)
        return wire.Handed(carrier.id, message_id)
