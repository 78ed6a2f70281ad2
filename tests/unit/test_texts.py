"""inbound.receive / outbound.send on a real store: what is recorded and what would be sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smartnumber.errors import UserError
from smartnumber.routing import texting
from smartnumber.storage.sqlite import SqliteStore
from smartnumber.texting import inbound, outbound
from tests.unit.conftest import Run, as_json, assert_user_error, register_for_texting

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OFFICE = "+12125550100"


@pytest.fixture
async def store(provisioned: Run, tmp_path: Path) -> AsyncIterator[SqliteStore]:
    provisioned("settings", "set", "company.name", "Acme Realty")
    provisioned("contact", "add", "Grace", "--phone", "3105550150", "--owner", "Bob")
    opened = await SqliteStore.open(tmp_path / "sn.db")
    yield opened
    await opened.close()


async def receive(store: SqliteStore, sender: str, body: str) -> inbound.Handled:
    async with store.transaction() as repo:
        return await inbound.receive(repo, sender, OFFICE, body, NOW)


async def test_help_names_the_business_and_how_to_opt_out(store: SqliteStore) -> None:
    handled = await receive(store, "+13105550150", "Help?")
    [reply] = handled.outgoing
    assert reply.to == "+13105550150" and reply.sender == OFFICE
    assert "Acme Realty" in reply.body and "STOP" in reply.body


async def test_a_request_to_stop_in_other_words_opts_out_with_the_rule_on_the_timeline(
    store: SqliteStore, provisioned: Run
) -> None:
    handled = await receive(store, "+13105550150", "Please stop texting me.")
    [confirmation] = handled.outgoing
    assert confirmation.purpose == "confirmation" and "unsubscribed" in confirmation.body
    [entry] = as_json(provisioned("timeline", "3105550150", "--json"))
    assert entry["detail"] == {
        "text": "Please stop texting me.",
        "from": "+13105550150",
        "keyword": "opt-out",
        "revocation_rule": "stop-contacting",
    }
    async with store.transaction() as repo:
        sent = await outbound.send(repo, "Bob", "3105550150", "Sorry to bother you", NOW)
    assert sent.refused == "Text not sent - the contact opted out"


async def test_a_message_that_may_ask_to_stop_is_forwarded_flagged_and_holds_the_next_text(
    store: SqliteStore, provisioned: Run
) -> None:
    register_for_texting(provisioned)
    handled = await receive(store, "+13105550150", "I want to stop")
    [forward] = handled.outgoing
    assert forward.to == "+12125550102" and forward.purpose == "forward"  # Bob's cell
    assert forward.body.startswith("Grace (+13105550150): [may ask you to stop texting")
    [entry] = as_json(provisioned("timeline", "3105550150", "--json"))
    assert entry["detail"]["revocation"] == "ambiguous"
    assert entry["detail"]["revocation_rule"] == "the word 'stop'"
    async with store.transaction() as repo:
        held = await outbound.send(repo, "Bob", "3105550150", "Stop what?", NOW)
    assert held.outgoing is None and held.held is not None
    assert "the word 'stop'" in held.held and "I want to stop" not in held.held  # not quoted
    async with store.transaction() as repo:
        sent = await outbound.send(repo, "Bob", "3105550150", "Stop what?", NOW, anyway=True)
        again = await outbound.send(repo, "Bob", "3105550150", "Call me?", NOW)
    assert sent.outgoing is not None and again.held is None  # read once: released


async def test_an_unknown_number_is_forwarded_but_makes_no_lead(
    store: SqliteStore, provisioned: Run
) -> None:
    handled = await receive(store, "+13105550199", "Hi, who is this?")
    assert [o.purpose for o in handled.outgoing] == ["forward"]
    assert handled.outgoing[0].body == "Unknown (+13105550199): Hi, who is this?"
    assert [c["name"] for c in as_json(provisioned("contact", "list", "--json"))] == ["Grace"]


async def test_opt_out_state_is_per_number_and_kept(store: SqliteStore, tmp_path: Path) -> None:
    await receive(store, "+13105550150", "stop")
    await store.close()
    reopened = await SqliteStore.open(tmp_path / "sn.db")  # a restart
    try:
        async with reopened.transaction() as repo:
            sent = await outbound.send(repo, "Bob", "3105550150", "Still interested?", NOW)
            assert sent.refused == "Text not sent - the contact opted out"
            assert not await repo.opted_out("+13105550151")
    finally:
        await reopened.close()


@pytest.mark.parametrize(
    ("body", "fragment"),
    [("   ", "the message is empty"), ("x" * 1601, "at most 1600")],
)
async def test_empty_or_oversized_sends_are_refused(
    store: SqliteStore, body: str, fragment: str
) -> None:
    async with store.transaction() as repo:
        with pytest.raises(UserError, match=fragment):
            await outbound.send(repo, "Bob", "3105550150", body, NOW)


def test_text_code_rules(provisioned: Run) -> None:
    for args, fragment in [
        (["STOP", "--reply", "x"], "cannot be a text code"),
        (["a b", "--reply", "x"], "cannot be a text code"),
        (["house", "--reply", "x", "--agent", "Bob", "--number", OFFICE], "contradict"),
        (["house", "--reply", "  "], "the reply must be"),
    ]:
        assert_user_error(provisioned("textcode", "add", *args, ok=False), fragment)
    provisioned("textcode", "add", "House", "--reply", "Thanks!", "--agent", "Bob")
    assert_user_error(
        provisioned("textcode", "add", "HOUSE", "--reply", "again", ok=False), "already exists"
    )
    [code] = as_json(provisioned("textcode", "list", "--json"))
    assert (code["code"], code["agent"]) == ("HOUSE", "Bob")
    provisioned("textcode", "remove", "house")
    assert_user_error(provisioned("textcode", "remove", "house", ok=False), "no text code")


async def test_the_first_text_to_a_number_says_how_to_opt_out_and_later_ones_do_not(
    store: SqliteStore, provisioned: Run
) -> None:
    register_for_texting(provisioned)
    provisioned("contact", "add", "Alan", "--phone", "3105550151", "--owner", "Bob")
    async with store.transaction() as repo:
        first = await outbound.send(repo, "Bob", "3105550150", "Hi Grace, it's Bob", NOW)
        second = await outbound.send(repo, "Bob", "3105550150", "Tour at 5?", NOW)
        own = await outbound.send(repo, "Bob", "3105550151", "Hi Alan. Text STOP to opt out", NOW)
    assert first.outgoing and first.outgoing.body == "Hi Grace, it's Bob\nReply STOP to opt out."
    assert second.outgoing and second.outgoing.body == "Tour at 5?"
    assert own.outgoing and own.outgoing.body == "Hi Alan. Text STOP to opt out"  # said already
    entries = as_json(provisioned("timeline", "3105550150", "--json"))
    assert [e["detail"]["text"] for e in entries] == ["Tour at 5?", "Hi Grace, it's Bob"]
    assert entries[1]["detail"]["disclosure"] == "Reply STOP to opt out."
    provisioned("settings", "set", "texting.disclosure", "Text STOP to end, HELP for help.")
    provisioned("contact", "add", "Ada", "--phone", "3105550152", "--owner", "Bob")
    async with store.transaction() as repo:
        ada = await outbound.send(repo, "Bob", "3105550152", "Hello Ada", NOW)
    assert ada.outgoing and ada.outgoing.body == "Hello Ada\nText STOP to end, HELP for help."
    bad = provisioned("settings", "set", "texting.disclosure", "Reply NO to quit", ok=False)
    assert_user_error(bad, "STOP")


def test_a_long_text_is_forwarded_cut_to_one_texts_length() -> None:
    short = texting.forwarded("Grace", "+13105550150", "See you at 5")
    assert short == "Grace (+13105550150): See you at 5"
    huge = texting.forwarded("Grace", "+13105550150", "x" * 1_000_000)
    assert len(huge) <= texting.MAX_TEXT_CHARS
    cut = texting.MAX_TEXT_CHARS - 48
    assert huge.endswith(
        f" [+{len('Grace (+13105550150): ') + 1_000_000 - cut} characters on the timeline]"
    )
    exact = texting.forwarded("G", "+1", "y" * (texting.MAX_TEXT_CHARS - len("G (+1): ")))
    assert len(exact) == texting.MAX_TEXT_CHARS and exact.endswith("y")  # not cut
