"""Spam protection end to end: an agent trips a detector through `text send`, is
suspended (admins emailed over real SMTP), may no longer start texts, and may still
answer a lead who texts first; the lead's phone receives that reply."""

from __future__ import annotations

import email
import json
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from lab.ports import free_tcp_port
from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import FIRST, Inbox, send_text

pytestmark = pytest.mark.asterisk

LEADS = [f"+1310555020{i}" for i in range(8)]


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


async def test_bulk_opt_outs_suspend_the_agent_who_can_still_reply(
    texting: Office, stop_parties: None
) -> None:
    system = texting.system
    port = free_tcp_port()
    system.cli("settings", "set", "smtp.port", str(port))
    for i, lead in enumerate(LEADS):
        system.cli("contact", "add", f"Lead {i}", "--phone", lead, "--owner", "Bob")
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        async with Inbox(system) as inbox:
            for lead in LEADS[:5]:
                system.cli("text", "send", "--agent", "Bob", "--to", lead, "Open house Sunday!")
            for lead in LEADS[:5]:
                await send_text(system, OFFICE_NUMBER, lead, "STOP")
            warned = system.cli("text", "send", "--agent", "Bob", "--to", LEADS[5], "Hi!", ok=False)
            assert warned.exit_code == 1 and "5 of the 6 leads" in warned.output
            assert "--anyway" in warned.output
            tripped = system.cli(
                "text", "send", "--agent", "Bob", "--to", LEADS[5], "Hi!", "--anyway"
            )
            assert "now suspended from starting texts" in tripped.output
            assert "admins emailed: 1" in tripped.output
            refused = system.cli(
                "text", "send", "--agent", "Bob", "--to", LEADS[6], "Hello", ok=False
            )
            assert "suspended from starting texts until" in refused.output
            teammate = system.cli(
                "text", "send", "--agent", "Carol", "--to", LEADS[7], "Carol here", "--wait", "15"
            )
            assert "sent to" in teammate.output
            await send_text(system, OFFICE_NUMBER, LEADS[6], "Is the flat still free?")
            system.cli("text", "send", "--agent", "Bob", "--to", LEADS[6], "Yes, come see it!")
            got = await inbox.texts(handled=6)
    finally:
        smtp.stop()

    assert [(t.sender, t.body) for t in got if t.to == LEADS[6]] == [
        (OFFICE_NUMBER, "Yes, come see it!" + FIRST)
    ]  # the one reply: nothing Bob started reached Lead 6
    assert [t.body for t in got if t.to == LEADS[5]] == ["Hi!" + FIRST]  # the text that tripped it
    [notice] = mailbox.messages
    assert notice["To"] == "alice@example.com" and "Bob" in notice["Subject"]
    [banner] = json.loads(system.cli("suspension", "list", "--json").output)
    assert banner["agent"] == "Bob" and banner["pattern"] == "bulk-opt-outs"
    [emailed] = banner["admins_emailed"]  # the delivery is on the record too
    assert emailed["to"] == "alice@example.com" and emailed["sent"]
