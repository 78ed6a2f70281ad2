"""Work committed by one process wakes the listeners of another (PostgreSQL's
LISTEN/NOTIFY): a hint, sent with the commit only, never for a transaction that rolled
back; SQLite's listen() is there too and never wakes (its listeners poll)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from smartnumber.storage import open_store
from smartnumber.storage.repository import NewInboundText, NewText

T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class Rollback(Exception):
    pass


async def _woken(event: asyncio.Event, within: float) -> bool:
    try:
        await asyncio.wait_for(event.wait(), within)
    except TimeoutError:
        return False
    return True


async def test_a_queued_text_wakes_another_stores_listener(postgres_url: str) -> None:
    sender, listener = await open_store(postgres_url), await open_store(postgres_url)
    woken, inbox = asyncio.Event(), asyncio.Event()
    try:
        async with (
            listener.listen("text_outbox", woken.set),
            listener.listen("text_inbox", inbox.set),
        ):
            assert await _woken(woken, 10)  # listening: told once, in case news was missed
            await _woken(inbox, 10)
            woken.clear(), inbox.clear()

            with pytest.raises(Rollback):
                async with sender.transaction() as repo:
                    await repo.queue_text(NewText("+12125550100", "+13105550101", "hi", "sent", T0))
                    raise Rollback
            assert not await _woken(woken, 0.5)  # nothing committed, nobody woken

            async with sender.transaction() as repo:
                await repo.queue_text(NewText("+12125550100", "+13105550101", "hi", "sent", T0))
            assert await _woken(woken, 10)
            assert not inbox.is_set()  # each topic its own

            async with sender.transaction() as repo:
                text = NewInboundText("k1", "+12125550100", "+13105550101", "<sip:x@c>", "STOP",
                                      4, "carrier", T0)  # fmt: skip
                await repo.keep_inbound_text(text)
            assert await _woken(inbox, 10)
    finally:
        await sender.close()
        await listener.close()


async def test_sqlite_listeners_are_never_woken_and_poll(tmp_path: object) -> None:
    store = await open_store(f"sqlite:///{tmp_path}/sn.db")
    woken = asyncio.Event()
    try:
        async with store.listen("text_outbox", woken.set), store.transaction() as repo:
            await repo.queue_text(NewText("+12125550100", "+13105550101", "hi", "sent", T0))
        assert not woken.is_set()
    finally:
        await store.close()
