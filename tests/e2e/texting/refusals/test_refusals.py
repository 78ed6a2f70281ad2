"""Texts that must not go: to an agent's own cell, to a landline, from a number not
cleared to text -- each refused with a reason on the timeline."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import CELLS, OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import GRACE, Inbox, add_grace, send_text

pytestmark = pytest.mark.asterisk


async def test_an_agents_own_cell_gets_the_not_delivered_reply(
    texting: Office, stop_parties: None
) -> None:
    async with Inbox(texting.system) as inbox:
        await send_text(texting.system, OFFICE_NUMBER, CELLS["Bob"], "testing the number")
        [reply] = await inbox.texts(handled=1)
    assert reply.to == CELLS["Bob"] and "will not be delivered" in reply.body
    assert json.loads(texting.system.cli("contact", "list", "--json").output) == []


async def test_landline_sends_are_refused_with_a_timeline_note(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting, "--line-type", "landline")
    async with Inbox(texting.system) as inbox:
        refused = texting.system.cli(
            "text", "send", "--agent", "Bob", "--to", GRACE, "hi", ok=False
        )
        got = await inbox.texts(handled=0)
    assert refused.exit_code == 1 and "Text not sent - landline" in refused.output
    assert got == []
    notes = [e for e in texting.timeline(GRACE) if e["kind"] == "note"]
    assert [n["detail"]["text"] for n in notes] == ["Text not sent - landline"]


async def test_sends_from_a_number_not_cleared_to_text_are_refused(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting)
    texting.system.cli("compliance", "campaign", "set-status", "1", "rejected")
    async with Inbox(texting.system) as inbox:
        refused = texting.system.cli(
            "text", "send", "--agent", "Bob", "--to", GRACE, "hi", ok=False
        )
        got = await inbox.texts(handled=0)
    reason = "+12125550100's 10DLC campaign 1 is rejected, not approved"
    assert refused.exit_code == 1 and reason in refused.output
    assert got == []
    [note] = [e for e in texting.timeline(GRACE) if e["kind"] == "note"]
    assert note["detail"]["text"] == f"Text not sent - {reason}"
