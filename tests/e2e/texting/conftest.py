"""Texting end to end: sipp texts a Smart Number through the trunk, and a sipp party on
the carrier's side of the trunk receives what smartnumber sends (SIP MESSAGE)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest

from lab.system import System
from smartnumber.asterisk.messaging import parts
from smartnumber.demo.sipp import SippResult
from tests.e2e.conftest import OFFICE_NUMBER, Office


@dataclass(frozen=True)
class Text:
    to: str  # user part of the Request-URI
    sender: str  # user part of From
    body: str


def register_for_texting(system: System, number: str) -> None:
    """Brand, campaign (approved) and link: what a US local number needs to text."""
    system.cli("compliance", "brand", "add", "Acme Realty")
    system.cli(
        "compliance", "campaign", "add", "--brand", "Acme Realty", "--use-case", "customer care",
        "--sample", "Acme Realty: your viewing is at 5pm. Reply STOP to opt out.",
        "--sample", "Acme Realty: new listings near you. Reply STOP to unsubscribe.",
    )  # fmt: skip
    system.cli("compliance", "campaign", "set-status", "1", "approved")
    system.cli("compliance", "link", number, "1")


@pytest.fixture
def texting(office: Office) -> Office:
    register_for_texting(office.system, OFFICE_NUMBER)
    office.system.start_asterisk()
    office.system.start_service()
    return office


def texts_handled(system: System) -> int:
    """How many inbound texts the routing service has handled so far."""
    return sum(1 for e in system.service_log() if e.get("message") == "text received")


async def wait_handled(system: System, count: int, timeout: float = 20.0) -> None:
    """Until the service has handled `count` inbound texts in all."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while texts_handled(system) < count:
        assert loop.time() < deadline, f"the service handled {texts_handled(system)} of {count}"
        await asyncio.sleep(0.05)


async def send_text(
    system: System, number: str, sender: str, body: str, *, handled: bool = True
) -> SippResult:
    """A phone on the carrier side texts `number` from `sender`: waits for Asterisk's 202
    and then (unless handled=False) until the routing service has handled the text --
    Asterisk answers the carrier before the service has done anything."""
    before = texts_handled(system)
    party = system.texter(number, sender, body)
    await party.start()
    result = await party.wait()
    assert result.succeeded, result.output
    if handled:
        await wait_handled(system, before + 1)
    return result


def outbox(system: System) -> list[dict[str, Any]]:
    """Every text in the outbox, newest first (`text queue --all --json`)."""
    return list(
        json.loads(system.cli("text", "queue", "--all", "--limit", "10000", "--json").output)
    )


class Inbox:
    """The carrier's side of the trunk, taking every text smartnumber sends."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.party = system.inbox()

    async def __aenter__(self) -> Inbox:
        self.after_id = max((t["id"] for t in outbox(self.system)), default=0)
        self.handled_before = texts_handled(self.system)
        await self.party.start()
        await self.party.listening()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.party.stop()

    async def texts(self, handled: int, timeout: float = 20.0) -> list[Text]:
        """What reached the carrier, once the service has handled `handled` more inbound
        texts, the outbox holds nothing queued, and every MESSAGE part of the texts it
        sent since this inbox opened has arrived here. It then stops the carrier party:
        once per Inbox (open another for what is sent after)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await wait_handled(self.system, self.handled_before + handled, timeout)
        while True:
            mine = [t for t in outbox(self.system) if t["id"] > self.after_id]
            if not [t for t in mine if t["status"] == "queued"]:
                break
            assert loop.time() < deadline, f"texts still queued: {mine}"
            await asyncio.sleep(0.05)
        expected = sum(len(parts(t["text"])) for t in mine if t["status"] == "sent")
        while (arrived := len(self.party.received_so_far("MESSAGE"))) < expected:
            assert loop.time() < deadline, f"{arrived} of {expected} MESSAGEs arrived"
            await asyncio.sleep(0.05)
        await self.party.stop()
        result = await self.party.wait(timeout=5)
        texts: list[Text] = []
        for m in result.requests("MESSAGE"):
            text = Text(m.to_user, m.from_user, m.body)
            last = texts[-1] if texts else None
            if last and (last.to, last.sender) == (text.to, text.sender) and _cut(last.body):
                texts[-1] = Text(last.to, last.sender, last.body + text.body)  # one text, in parts
            else:
                texts.append(text)
        return texts


def _cut(body: str) -> bool:
    """Was this a part of a longer text (smartnumber sends texts over 700 bytes in parts)?"""
    return len(body.encode()) >= 350


GRACE = "+13105550150"
FIRST = "\nReply STOP to opt out."  # under the first text to a number (texting.disclosure)


def add_grace(office: Office, *options: str) -> None:
    """Grace Hopper, a contact Bob owns."""
    office.system.cli(
        "contact", "add", "Grace Hopper", "--phone", GRACE, "--owner", "Bob", *options
    )


def texts_on_timeline(office: Office, number: str) -> list[dict[str, object]]:
    return [e for e in office.timeline(number) if e["kind"] == "text"]
