"""Suspension notices reach every admin over real SMTP (aiosmtpd); with the server down
they stay queued and go once it is back."""

from __future__ import annotations

import asyncio
import email
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from lab.fake_asterisk import TOKEN
from lab.ports import free_tcp_port
from smartnumber import settings
from smartnumber.service import run as service
from smartnumber.service.config import ServiceConfig
from smartnumber.storage.sqlite import SqliteStore
from smartnumber.texting import notices as mail
from smartnumber.texting import outbound
from tests.unit.conftest import Run, register_for_texting

DAY1 = datetime(2026, 11, 16, 18, 0, tzinfo=UTC)
SAME = "Still interested in the 5th Ave house?"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = threading.Event()  # set from aiosmtpd's own thread

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        self.arrived.set()
        return "250 OK"


@pytest.fixture
def port() -> int:
    return free_tcp_port()


def smtp_server(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
async def store(provisioned: Run, tmp_path: Path, port: int) -> AsyncIterator[SqliteStore]:
    register_for_texting(provisioned)
    provisioned("contact", "add", "Grace", "--phone", "+13105550150", "--owner", "Bob")
    provisioned("settings", "set", "smtp.port", str(port))
    opened = await SqliteStore.open(tmp_path / "sn.db")
    yield opened
    await opened.close()


async def suspend_bob(store: SqliteStore) -> None:
    async with store.transaction() as repo:
        await outbound.send(repo, "Bob", "+13105550150", SAME, DAY1)
    async with store.transaction() as repo:
        sent = await outbound.send(
            repo, "Bob", "+13105550150", SAME, DAY1 + timedelta(days=1), anyway=True
        )
        assert sent.suspended is not None


def config(store_values: dict[str, str]) -> mail.SmtpConfig:
    return mail.SmtpConfig.from_settings(store_values)


async def settings_of(store: SqliteStore) -> dict[str, str]:
    async with store.transaction() as repo:
        return await settings.load(repo)


async def test_every_admin_with_an_email_gets_the_evidence(store: SqliteStore, port: int) -> None:
    controller, inbox = smtp_server(port)
    try:
        await suspend_bob(store)
        sent, waiting = await mail.flush(store, config(await settings_of(store)), lambda: DAY1)
    finally:
        controller.stop()
    assert (sent, waiting) == (1, 0)
    [message] = inbox.messages
    assert message["To"] == "alice@example.com"  # the one admin, with an address
    assert message["Subject"] == "Texting suspended: Bob (repeated-message)"
    body = message.get_payload()
    assert "Bob has been suspended from starting texts until 2026-12-17 18:00 UTC" in body
    assert "Pattern: repeated-message" in body and "+13105550150" in body
    assert SAME in body and "2026-11-16 18:00" in body  # the evidence: dates and excerpts


async def test_with_the_server_down_the_notice_waits_and_goes_later(
    store: SqliteStore, port: int
) -> None:
    await suspend_bob(store)
    values = await settings_of(store)
    assert await mail.flush(store, config(values), lambda: DAY1) == (0, 1)  # nobody listens
    controller, inbox = smtp_server(port)
    try:
        assert await mail.flush(store, config(values), lambda: DAY1) == (1, 0)
        assert await mail.flush(store, config(values), lambda: DAY1) == (0, 0)  # sent once
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


async def test_the_routing_service_sends_what_is_queued(
    store: SqliteStore, port: int, tmp_path: Path
) -> None:
    """Queued while the mail server was down; the running service delivers it."""
    await suspend_bob(store)
    controller, inbox = smtp_server(port)
    stop = asyncio.Event()
    config = ServiceConfig(  # no Asterisk
        agi_port=free_tcp_port(), ami_port=free_tcp_port(), agi_token=TOKEN
    )
    serving = asyncio.create_task(service.run(config, tmp_path / "sn.db", stop))
    try:
        await asyncio.to_thread(inbox.arrived.wait, 10)
    finally:
        stop.set()
        await serving
        controller.stop()
    [message] = inbox.messages
    assert message["To"] == "alice@example.com"


async def test_a_login_is_never_sent_over_plain_text(store: SqliteStore, port: int) -> None:
    """With a username and smtp.tls none, the password would cross the network in the
    clear: nothing is sent, the email waits, and its error says what to change."""
    connections: list[str] = []

    class Watching(Inbox):
        async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
            connections.append(hostname)
            return responses

    controller = Controller(Watching(), hostname="127.0.0.1", port=port, auth_require_tls=False)
    controller.start()
    try:
        await suspend_bob(store)
        values = await settings_of(store) | {
            "smtp.username": "alerts",
            "smtp.password": "a-password-of-20-chars",
        }
        assert await mail.flush(store, config(values), lambda: DAY1) == (0, 1)
    finally:
        controller.stop()
    assert connections == []  # never even connected
    async with store.transaction() as repo:
        [waiting] = await repo.unsent_emails(10)
    assert waiting.last_error is not None and "plain text" in waiting.last_error
