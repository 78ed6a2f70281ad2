"""The HTTP API as the CRM meets it: `smartnumber api` on a free loopback port over a
fresh database (an office, two agents, a number), and httpx clients holding tokens."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from lab.receiver import Receiver
from lab.system import System

OFFICE_NUMBER = "+12125550100"


@dataclass
class Crm:
    system: System
    tokens: dict[str, str]

    def client(self, who: str) -> httpx.AsyncClient:
        """A client with one of the tokens: admin, crm (integration), alice, bob (agents)."""
        return httpx.AsyncClient(
            base_url=self.system.api_url,
            headers={"authorization": f"Bearer {self.tokens[who]}"},
            timeout=10,
        )

    def contacts_in_db(self) -> list[dict[str, Any]]:
        return list(json.loads(self.system.cli("contact", "list", "--json").output))

    def refusals_logged(self) -> list[dict[str, Any]]:
        return [e for e in self.system.api_log() if e.get("message") == "refused"]


@pytest.fixture
def crm(system: System) -> Iterator[Crm]:
    system.cli("office", "add", "Main")
    for name, cell in (("Alice", "+12125550101"), ("Bob", "+12125550102")):
        system.cli("agent", "add", name, "--cell", cell, "--office", "Main")
    system.cli("number", "add", OFFICE_NUMBER, "--scope", "office", "--owner", "Main")
    tokens = {
        "admin": system.token("root", "admin"),
        "crm": system.token("crm", "integration"),
        "alice": system.token("alice-phone", "agent", "Alice"),
        "bob": system.token("bob-phone", "agent", "Bob"),
    }
    system.start_api()
    yield Crm(system, tokens)
    system.stop_api()


@pytest.fixture
async def as_crm(crm: Crm) -> AsyncIterator[httpx.AsyncClient]:
    async with crm.client("crm") as client:
        yield client


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A CRM's webhook receiver, verifying every delivery with `standardwebhooks`."""
    made = Receiver()
    await made.start()
    yield made
    await made.stop()


async def until(condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Once `condition()` is true (polled), or fail at `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)
