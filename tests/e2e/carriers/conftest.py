"""A Smart Number on an HTTP carrier, end to end: `smartnumber serve` (no Asterisk: the
carrier replaces the trunk for texts) and `smartnumber api` as their own processes, and
a stand-in carrier (lab/carrier.py) speaking Telnyx's or Twilio's documented API on
loopback and signing its webhooks with real keys. Every scenario runs on both."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from lab.carrier import FakeCarrier, Taken
from lab.system import System
from tests.e2e.texting.conftest import register_for_texting

OFFICE_NUMBER = "+12125550100"
CELLS = {"Alice": "+12125550101", "Bob": "+12125550102"}
GRACE = "+13105550150"  # Bob's contact


@dataclass
class Line:
    """The office number on carrier `name` (kind telnyx or twilio)."""

    system: System
    carrier: FakeCarrier
    kind: str
    name: str = "acme-sms"

    @property
    def inbound_url(self) -> str:
        return f"{self.system.api_url}/v1/carriers/{self.name}/inbound"

    @property
    def status_url(self) -> str:
        return f"{self.system.api_url}/v1/carriers/{self.name}/status"

    async def text_in(
        self, sender: str, body: str, media: list[tuple[str, str]] | None = None
    ) -> tuple[httpx.Response, str]:
        """The carrier posts an inbound text, signed; its answer and the message id."""
        if self.kind == "telnyx":
            payload = self.carrier.telnyx_inbound(sender, OFFICE_NUMBER, body, media or [])
            answer = await self.carrier.telnyx_webhook(
                self.inbound_url, "message.received", payload
            )
            return answer, payload["id"]
        params = self.carrier.twilio_inbound(sender, OFFICE_NUMBER, body, media or [])
        return await self.carrier.twilio_webhook(self.inbound_url, params), params["MessageSid"]

    async def replay(self, sender: str, body: str, message_id: str) -> httpx.Response:
        """The same inbound message posted again (a carrier's retry)."""
        if self.kind == "telnyx":
            payload = self.carrier.telnyx_inbound(sender, OFFICE_NUMBER, body) | {"id": message_id}
            return await self.carrier.telnyx_webhook(self.inbound_url, "message.received", payload)
        params = self.carrier.twilio_inbound(sender, OFFICE_NUMBER, body)
        params |= {"MessageSid": message_id, "SmsSid": message_id}
        return await self.carrier.twilio_webhook(self.inbound_url, params)

    async def taken(
        self, check: Callable[[Taken], bool], count: int = 1, timeout: float = 30.0
    ) -> list[Taken]:
        """Once the carrier has taken `count` texts matching `check`: those texts."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [t for t in self.carrier.sent if check(t)]
            if len(found) >= count:
                return found
            assert loop.time() < deadline, f"carrier took {self.carrier.sent}"
            await asyncio.sleep(0.05)

    def timeline(self, number: str) -> list[dict[str, Any]]:
        return list(json.loads(self.system.cli("timeline", number, "--json").output))

    async def entry(
        self, number: str, check: Callable[[dict[str, Any]], bool], timeout: float = 30.0
    ) -> dict[str, Any]:
        """The newest timeline entry of `number` that satisfies check, once there is one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = [e for e in self.timeline(number) if check(e)]
            if found:
                return found[0]
            assert loop.time() < deadline, f"no such entry: {self.timeline(number)[:5]}"
            await asyncio.sleep(0.1)

    def outbox(self) -> list[dict[str, Any]]:
        rows = self.system.cli("text", "queue", "--all", "--limit", "10000", "--json").output
        return list(json.loads(rows))


def _secret_file(system: System, name: str, value: str) -> str:
    path = system.root / name
    path.touch(mode=0o600)
    os.chmod(path, 0o600)
    path.write_text(value + "\n")
    return str(path)


def add_carrier(system: System, carrier: FakeCarrier, kind: str, name: str) -> None:
    """`carrier add` as an admin would, the secrets from 0600 files."""
    if kind == "telnyx":
        system.cli(
            "carrier", "add", name, "--kind", "telnyx",
            "--api-key-file", _secret_file(system, "telnyx-key", carrier.telnyx_api_key),
            "--public-key", carrier.telnyx_public_key, "--api-url", carrier.telnyx_url,
        )  # fmt: skip
    else:
        system.cli(
            "carrier", "add", name, "--kind", "twilio", "--account-sid", carrier.twilio_sid,
            "--auth-token-file", _secret_file(system, "twilio-token", carrier.twilio_token),
            "--api-url", carrier.twilio_url,
        )  # fmt: skip


@pytest.fixture(params=["telnyx", "twilio"])
async def line(request: pytest.FixtureRequest, system: System) -> AsyncIterator[Line]:
    kind = str(request.param)
    system.cli("office", "add", "Main")
    for name, cell in CELLS.items():
        system.cli("agent", "add", name, "--cell", cell, "--office", "Main")
    system.cli("number", "add", OFFICE_NUMBER, "--scope", "office", "--owner", "Main")
    register_for_texting(system, OFFICE_NUMBER)
    system.cli("contact", "add", "Grace Hopper", "--phone", GRACE, "--owner", "Bob")
    async with FakeCarrier() as carrier:
        made = Line(system, carrier, kind)
        add_carrier(system, carrier, kind, made.name)
        system.cli("number", "config", OFFICE_NUMBER, "--sms-carrier", made.name)
        system.start_api()
        system.cli("settings", "set", "api.public_url", system.api_url)  # receipts come here
        system.start_service(wait_for_ami=False)  # no Asterisk: texts go by the carrier
        yield made
        system.stop_service()
        system.stop_api()
