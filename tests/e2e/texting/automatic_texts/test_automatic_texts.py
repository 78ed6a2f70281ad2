"""Automatic texts go only where they may (SMS pumping): a HELP, STOP or text code from
abroad changes what it should and sends nothing; a burst of HELPs from one number gets
a capped number of answers. Through the trunk, with the carrier's side watching."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import Inbox, outbox, send_text

pytestmark = pytest.mark.asterisk

LITHUANIA = "+37060000001"
GRACE = "+13105550150"


async def test_nothing_is_texted_abroad_but_the_state_is_kept(
    texting: Office, stop_parties: None
) -> None:
    system = texting.system
    system.cli("textcode", "add", "House42", "--reply", "Thanks!", "--agent", "Carol")
    async with Inbox(system) as inbox:
        for body in ("HELP", "HOUSE42", "STOP"):
            await send_text(system, OFFICE_NUMBER, LITHUANIA, body)
        got = await inbox.texts(handled=3)
    assert [t.to for t in got] == ["+12125550103"]  # only Carol's lead alert, at home
    refused = [t for t in outbox(system) if t["status"] == "refused"]
    # The HELP answer and the STOP confirmation are both confirmations.
    assert sorted(t["purpose"] for t in refused) == ["auto-reply", "confirmation", "confirmation"]
    assert all("United States and Canada" in t["reason"] for t in refused)
    [lead] = json.loads(system.cli("contact", "show", LITHUANIA, "--json").output)
    assert lead["source"] == "text-code:house42"  # the lead is made all the same
    assert lead["phones"][0]["subscription"] == "unsubscribed"  # and the STOP honoured


async def test_a_burst_of_automatic_replies_to_one_number_is_capped(
    texting: Office, stop_parties: None
) -> None:
    system = texting.system
    system.cli("settings", "set", "texting.auto_reply_limit", "3")
    async with Inbox(system) as inbox:
        for _ in range(6):
            await send_text(system, OFFICE_NUMBER, GRACE, "HELP")
        got = await inbox.texts(handled=6)
    assert [t.to for t in got] == [GRACE] * 3
    assert [t["status"] for t in outbox(system)].count("refused") == 3
