"""Every opt-out word unsubscribes with exactly one confirmation; START subscribes again."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import GRACE, Inbox, add_grace, send_text

pytestmark = [pytest.mark.asterisk, pytest.mark.both_stores]


async def test_every_opt_out_word_unsubscribes_with_one_confirmation(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting)
    # 22 confirmations to one number inside a minute: past the per-sender limit on
    # automatic replies, which this test is not about (tests/unit/test_outbox.py is).
    texting.system.cli("settings", "set", "texting.auto_reply_limit", "100")
    words = ["STOP", "stopall", "Stop All", "UNSUBSCRIBE", "cancel", "End.", "QUIT!",
             "revoke", "OptOut", "opt out", "OPT-OUT"]  # fmt: skip
    async with Inbox(texting.system) as inbox:
        for i, word in enumerate(words):
            await send_text(texting.system, OFFICE_NUMBER, GRACE, word)
            refused = texting.system.cli(
                "text", "send", "--agent", "Bob", "--to", GRACE, "hi", ok=False
            )
            assert refused.exit_code == 1 and "opted out" in refused.output, word
            await send_text(texting.system, OFFICE_NUMBER, GRACE, "start" if i % 2 else "START")
        got = await inbox.texts(handled=2 * len(words))

    assert all(t.to == GRACE and t.sender == OFFICE_NUMBER for t in got)
    unsubscribed = [t for t in got if "unsubscribed" in t.body]
    resubscribed = [t for t in got if "subscribed again" in t.body]
    assert len(unsubscribed) == len(words) and len(resubscribed) == len(words)
    assert len(got) == 2 * len(words)  # exactly one confirmation each, nothing forwarded
    welcome = texting.system.cli("text", "send", "--agent", "Bob", "--to", GRACE, "Welcome back")
    assert "opted out" not in welcome.output
