"""Texts through the trunk both ways: forwards to agents' cells, sends from the agent's
Smart Number, opt-out words, text codes, agents' own cells, refusals, hostile bodies."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import CELLS, OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import Inbox, send_text

pytestmark = pytest.mark.asterisk

GRACE = "+13105550150"


def add_grace(office: Office, *options: str) -> None:
    office.system.cli(
        "contact", "add", "Grace Hopper", "--phone", GRACE, "--owner", "Bob", *options
    )


def texts_on_timeline(office: Office, number: str) -> list[dict[str, object]]:
    return [e for e in office.timeline(number) if e["kind"] == "text"]


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
    assert (sent.to, sent.sender, sent.body) == (GRACE, OFFICE_NUMBER, "See you at 5")
    [entry] = texts_on_timeline(texting, GRACE)
    assert entry["direction"] == "outbound" and entry["detail"]["from"] == OFFICE_NUMBER


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


HOSTILE = [
    "${EXTEN} $[1+1] ${SHELL(id)}",
    'a),b|c;d"e\\f[g]',
    "Grüße, 日本語, emoji 🏠🔑",
    "x" * 1000,  # inbound bodies of 1024 bytes or more are lost in Asterisk 16 (see below)
]


@pytest.mark.parametrize("body", HOSTILE, ids=["dialplan", "metacharacters", "unicode", "long"])
async def test_hostile_bodies_travel_verbatim_as_data(
    texting: Office, stop_parties: None, body: str
) -> None:
    add_grace(texting)
    async with Inbox(texting.system) as inbox:
        await send_text(texting.system, OFFICE_NUMBER, GRACE, body)
        [forward] = await inbox.texts(handled=1)
    assert forward.body == f"Grace Hopper ({GRACE}): {body}"
    [entry] = texts_on_timeline(texting, GRACE)
    assert entry["detail"]["text"] == body


async def test_a_long_text_goes_out_whole_and_one_too_long_to_receive_says_so(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting)
    long_text = "Listing details: " + "3 bd, 2 ba, garage; $[price] ${x} " * 45
    async with Inbox(texting.system) as inbox:
        texting.system.cli("text", "send", "--agent", "Bob", "--to", GRACE, long_text)
        await send_text(texting.system, OFFICE_NUMBER, GRACE, "y" * 1500)
        got = await inbox.texts(handled=1)
    [sent] = [t for t in got if t.to == GRACE]
    assert sent.body == long_text and len(long_text.encode()) > 1500
    [forward] = [t for t in got if t.to == CELLS["Bob"]]
    assert "a text of 1502 bytes whose words were lost" in forward.body


async def test_text_inject_takes_the_same_path_as_the_trunk(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting)
    async with Inbox(texting.system) as inbox:
        said = await texting.system.acli(
            "text", "inject", "--from", GRACE, "--to", OFFICE_NUMBER, "Stop."
        )
        [confirmation] = await inbox.texts(handled=0)
    assert said.exit_code == 0, said.output
    assert f"opt-out from {GRACE}" in said.output
    assert confirmation.to == GRACE and "unsubscribed" in confirmation.body
    refused = texting.system.cli("text", "send", "--agent", "Bob", "--to", GRACE, "hi", ok=False)
    assert "opted out" in refused.output
