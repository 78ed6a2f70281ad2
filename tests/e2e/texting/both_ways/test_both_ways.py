"""Texts through the trunk both ways: a contact's text forwarded to the owning agent's
cell, an agent's text reaching the contact from their Smart Number."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CELLS, OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import FIRST, GRACE, Inbox, add_grace, send_text, texts_on_timeline

pytestmark = [pytest.mark.asterisk, pytest.mark.both_stores]


async def test_a_contacts_text_is_forwarded_to_the_owning_agents_cell(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting)
    async with Inbox(texting.system) as inbox:
        await send_text(texting.system, OFFICE_NUMBER, GRACE, "Is the house still available?")
        [forward] = await inbox.texts(handled=1)

    assert forward.to == CELLS["Bob"] and forward.sender == OFFICE_NUMBER
    assert forward.body == "Grace Hopper (+13105550150): Is the house still available?"
    [entry] = texts_on_timeline(texting, GRACE)
    assert entry["direction"] == "inbound" and entry["agent"] == "Bob"
    assert entry["detail"]["text"] == "Is the house still available?"


async def test_text_send_reaches_the_contact_from_the_agents_smart_number(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting)
    async with Inbox(texting.system) as inbox:
        said = texting.system.cli(
            "text", "send", "--agent", "Bob", "--to", GRACE, "See you at 5", "--wait", "15"
        )
        [sent] = await inbox.texts(handled=0)
    assert f"sent to {GRACE} from {OFFICE_NUMBER}" in said.output
    assert (sent.to, sent.sender, sent.body) == (GRACE, OFFICE_NUMBER, "See you at 5" + FIRST)
    [entry] = texts_on_timeline(texting, GRACE)
    assert entry["direction"] == "outbound" and entry["detail"]["from"] == OFFICE_NUMBER
