"""The text inbox: kept first (retried while the database is locked, once per message
key), handled from there in order, once; the dialplan's spool read back exactly."""

from __future__ import annotations

import asyncio
import base64
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smartnumber.asterisk.agi import text_spool
from smartnumber.errors import StorageBusy
from smartnumber.storage.sqlite import SqliteStore
from smartnumber.texting import inbox
from tests.unit.conftest import Run, as_json

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
OFFICE = "+12125550100"
GRACE = "+13105550150"
KEY = "0123456789abcdef0123456789abcdef01234567"


def arrived(body: str = "STOP", key: str = KEY, sender: str = GRACE) -> inbox.Arrived:
    return inbox.Arrived(OFFICE, sender, f"<sip:{sender}@198.51.100.7>", body, message_key=key)


@pytest.fixture
def store(texting_store: SqliteStore) -> SqliteStore:
    return texting_store


async def test_a_text_is_kept_once_per_message_key(store: SqliteStore) -> None:
    first = await inbox.keep(store, arrived(), "agi", NOW)
    assert first is not None
    assert await inbox.keep(store, arrived(), "spool", NOW) is None  # the same text again
    assert await inbox.keep(store, arrived(key=""), "inject", NOW) not in (None, first)


async def test_kept_texts_are_handled_in_order_and_once(
    store: SqliteStore, provisioned: Run
) -> None:
    for i, body in enumerate(("STOP", "START", "Is it still available?")):
        await inbox.keep(store, arrived(body, key=f"{i:040x}"), "agi", NOW)
    done = await inbox.handle_pending(store, lambda: NOW)
    assert done.handled == 3 and done.queued_replies == 3  # two confirmations, one forward
    assert (await inbox.handle_pending(store, lambda: NOW)).handled == 0  # nothing twice
    [contact] = as_json(provisioned("contact", "show", GRACE, "--json"))
    assert contact["phones"][0]["subscription"] == "subscribed"  # STOP, then START


async def test_keeping_waits_out_a_short_lock_and_gives_up_on_a_long_one(
    store: SqliteStore, tmp_path: Path
) -> None:
    await store._db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(tmp_path / "sn.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    release = asyncio.get_running_loop().call_later(0.4, other.execute, "COMMIT")
    assert await inbox.keep(store, arrived(), "agi", NOW, within=3) is not None
    release.cancel()
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageBusy):
            await inbox.keep(store, arrived(key="f" * 40), "agi", NOW, within=0.5)
    finally:
        other.execute("COMMIT")
        other.close()


async def test_a_sender_that_is_not_a_number_is_refused_and_set_aside(
    store: SqliteStore, provisioned: Run
) -> None:
    await inbox.keep(store, arrived(sender="trunk"), "agi", NOW)
    await inbox.keep(store, arrived(key="1" * 40), "agi", NOW)  # a good one behind it
    seen: list[str] = []
    done = await inbox.handle_pending(store, lambda: NOW, on_handled=lambda t, h, n: seen.append(n))
    assert done.handled == 2
    assert seen[0] == "refused: the sender is not a phone number"


def spool_line(path: Path, *, key: str = KEY, end: str = " end", body: str = "STOP") -> Path:
    b64 = base64.b64encode
    from_b64 = b64(f'"x" <sip:{GRACE}@198.51.100.7>;tag=1'.encode()).decode()
    path.write_text(f"v1 {OFFICE} 4 {key} {from_b64} {b64(body.encode()).decode()}{end}")
    return path


def test_a_spooled_text_is_read_back_exactly(tmp_path: Path) -> None:
    text = text_spool.read(spool_line(tmp_path / f"text-{KEY}.txt", body="Grüße ${EXTEN}\n!"))
    assert text is not None
    assert (text.smart_number, text.sender, text.body, text.message_key) == (
        OFFICE, GRACE, "Grüße ${EXTEN}\n!", KEY,
    )  # fmt: skip


@pytest.mark.parametrize(
    "line",
    [
        "",
        "v1 +12125550100 4",  # cut short
        f"v2 +12125550100 4 {KEY} YQ== YQ== end",
        f"v1 +1212;x 4 {KEY} YQ== YQ== end",
        "v1 +12125550100 4 notakey YQ== YQ== end",
        f"v1 +12125550100 4 {KEY} @@@ YQ== end",
    ],
)
def test_anything_else_in_the_spool_is_not_a_text(tmp_path: Path, line: str) -> None:
    (tmp_path / "text-x.txt").write_text(line)
    assert text_spool.read(tmp_path / "text-x.txt") is None


async def test_the_spool_is_drained_into_the_inbox(store: SqliteStore, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    spool_line(spool / f"text-{KEY}.txt")
    unfinished = spool_line(spool / "text-b.txt", key="b" * 40, end="")  # still being written
    stale = spool_line(spool / "text-c.txt", key="c" * 40, end="")
    os.utime(stale, (0, 0))  # unfinished for long: set aside
    assert await text_spool.drain(store, spool, NOW) == 1
    assert sorted(p.name for p in spool.iterdir()) == ["text-b.txt", "text-c.bad"]
    assert unfinished.exists()
    spool_line(spool / f"text-{KEY}.txt")  # spooled again: it is kept already
    assert await text_spool.drain(store, spool, NOW) == 0
    assert not (spool / f"text-{KEY}.txt").exists()
