"""Revocation in any reasonable words, over the trunk: a multi-word request to stop
unsubscribes (one confirmation) and the next `text send` is refused; a message that may
ask to stop is forwarded flagged and holds the agent's next text until confirmed; an
ordinary message with a trigger word is just forwarded."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CELLS, OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import FIRST, GRACE, Inbox, add_grace, send_text

pytestmark = pytest.mark.asterisk


async def test_a_multi_word_revocation_over_the_trunk_unsubscribes(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting)
    system = texting.system
    async with Inbox(system) as inbox:
        await send_text(system, OFFICE_NUMBER, GRACE, "Please stop sending me these messages")
        [confirmation] = await inbox.texts(handled=1)
    assert confirmation.to == GRACE and "unsubscribed" in confirmation.body
    refused = system.cli("text", "send", "--agent", "Bob", "--to", GRACE, "Just checking", ok=False)
    assert refused.exit_code == 1 and "opted out" in refused.output
    [entry] = [e for e in texting.timeline(GRACE) if e["kind"] == "text"]
    assert entry["detail"]["keyword"] == "opt-out"
    assert entry["detail"]["revocation_rule"] == "stop-contacting"


async def test_a_message_that_may_ask_to_stop_holds_the_agents_next_text(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting)
    system = texting.system
    async with Inbox(system) as inbox:
        await send_text(system, OFFICE_NUMBER, GRACE, "not interested")
        await send_text(system, OFFICE_NUMBER, GRACE, "we'll stop by the office at noon")
        forwards = await inbox.texts(handled=2)
    assert [t.to for t in forwards] == [CELLS["Bob"], CELLS["Bob"]]
    assert forwards[0].body.startswith(f"Grace Hopper ({GRACE}): [may ask you to stop")
    assert forwards[1].body == f"Grace Hopper ({GRACE}): we'll stop by the office at noon"
    held = system.cli("text", "send", "--agent", "Bob", "--to", GRACE, "See you!", ok=False)
    assert held.exit_code == 1 and held.output.startswith("Error: held:")
    assert "'not interested'" in held.output and "--anyway" in held.output
    async with Inbox(system) as inbox:  # a fresh carrier side for what Bob sends now
        system.cli("text", "send", "--agent", "Bob", "--to", GRACE, "See you!", "--anyway")
        [reply] = await inbox.texts(handled=0)
    assert (reply.to, reply.body) == (GRACE, "See you!" + FIRST)
