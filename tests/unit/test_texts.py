"""inbound.receive / outbound.send on a real store: what is recorded and what would be sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smartnumber.errors import UserError
from smartnumber.storage.sqlite import SqliteStore
from smartnumber.texting import inbound, outbound
from tests.unit.conftest import Run, as_json, assert_user_error

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


async def test_a_revocation_like_text_is_flagged_and_still_forwarded(
    store: SqliteStore, provisioned: Run
) -> None:
    handled = await receive(store, "+13105550150", "Please stop texting me.")
    [forward] = handled.outgoing
    assert forward.to == "+12125550102" and forward.purpose == "forward"  # Bob's cell
    [entry] = as_json(provisioned("timeline", "3105550150", "--json"))
    assert entry["detail"] == {
        "text": "Please stop texting me.",
        "from": "+13105550150",
        "revocation": True,
    }


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
