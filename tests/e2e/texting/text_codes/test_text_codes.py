"""A text code makes one lead, replies each time and alerts the agent once."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import CELLS, OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import Inbox, send_text

pytestmark = pytest.mark.asterisk


async def test_a_text_code_makes_one_lead_replies_and_alerts_the_agent(
    texting: Office, stop_parties: None
) -> None:
    texting.system.cli("textcode", "add", "House42", "--reply", "Thanks! Carol will call you.",
                       "--agent", "Carol")  # fmt: skip
    newcomer = "+13105550177"
    async with Inbox(texting.system) as inbox:
        await send_text(texting.system, OFFICE_NUMBER, newcomer, " house42! ")
        await send_text(texting.system, OFFICE_NUMBER, newcomer, "HOUSE42")
        got = await inbox.texts(handled=2)

    replies = [t for t in got if t.to == newcomer]
    alerts = [t for t in got if t.to == CELLS["Carol"]]
    assert [t.body for t in replies] == ["Thanks! Carol will call you."] * 2
    assert len(alerts) == 1 and newcomer in alerts[0].body  # only the new lead alerts
    leads = json.loads(texting.system.cli("contact", "list", "--json").output)
    assert [(c["source"], c["owner"]) for c in leads] == [("text-code:house42", "Carol")]
