"""The text inbox: every inbound text is kept before anything is done about it.

keep() is a short transaction, retried while the database is locked, and idempotent
by the carrier's message key: a text Asterisk hands over twice, or that was also
spooled while the service was away, is one text. handle_pending() then handles what is
kept, in order, each text in one transaction with everything it causes (the opt-out,
the timeline entry, the replies in the outbox) and the mark that it was handled -- so
after a crash or a restart the rest is handled, and nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .. import claims, logs, phone
from ..errors import StorageBusy, StorageError, UserError
from ..model import InboundText, Media
from ..storage.repository import NewInboundText, Repository, Store
from . import inbound

log = logging.getLogger("smartnumber.texts")

MAX_ATTEMPTS = 3  # a text that keeps failing for another reason than the database is set aside
BATCH = 50
LEASE = timedelta(minutes=2)  # a claimed batch is ours this long (an MMS fetch: 20 s at most)


@dataclass(frozen=True)
class Arrived:
    """An inbound text as the carrier side handed it over."""

    smart_number: str
    sender: str  # the From URI's user part ('' when it had none)
    from_header: str
    body: str
    content_length: int | None = None
    message_key: str = ""  # '' : none given (an injected text): one is made up
    carrier_id: int | None = None  # an HTTP carrier's webhook brought it
    media: tuple[Media, ...] = ()  # an MMS's attachments, as the carrier listed them

    def new(self, via: str, now: datetime) -> NewInboundText:
        return NewInboundText(
            message_key=self.message_key or f"local-{secrets.token_hex(16)}",
            smart_number=self.smart_number,
            sender=self.sender,
            from_header=self.from_header,
            body=self.body,
            content_length=self.content_length,
            via=via,
            received_at=now,
            carrier_id=self.carrier_id,
            media=self.media,
        )


async def keep(
    store: Store,
    text: Arrived,
    via: str,
    now: datetime,
    *,
    within: float = 2.0,
    retry_every: float = 0.1,
) -> int | None:
    """Store the text; its id, or None when it was there already. Retried while the
    database is locked, for at most `within` seconds: then StorageBusy, and the caller
    keeps the text elsewhere (the dialplan's spool)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within

    async def attempt() -> int | None:
        async with store.transaction() as repo:
            return await repo.keep_inbound_text(text.new(via, now))

    while True:
        task = asyncio.ensure_future(attempt())
        done, _ = await asyncio.wait({task}, timeout=max(0.0, deadline - loop.time()))
        if not done:
            task.cancel()  # the store rolls a cancelled BEGIN back by itself
            raise StorageBusy("the database stayed locked; the text was not kept")
        try:
            return task.result()
        except StorageBusy:
            if loop.time() + retry_every >= deadline:
                raise
            await asyncio.sleep(retry_every)


FetchMedia = Callable[[InboundText], Coroutine[Any, Any, list[dict[str, Any]]]]


@dataclass
class MediaFetches:
    """An MMS's attachments fetched in a task of their own (at most `most` at once), so
    that one slow attachment never holds up the texts behind it: a STOP that arrives
    meanwhile is handled at once; the MMS once its fetch ends (by its deadline)."""

    fetch: FetchMedia
    on_done: Callable[[], None] = lambda: None  # wake the inbox
    most: int = 4
    running: dict[int, asyncio.Task[list[dict[str, Any]]]] = field(default_factory=dict)

    def ready(self, text: InboundText) -> list[dict[str, Any]] | None:
        """The text's attachments if fetched (the task is then forgotten); else None, and
        its fetch is started if there is room."""
        task = self.running.get(text.id)
        if task is None:
            if len(self.running) < self.most:
                task = asyncio.get_running_loop().create_task(self.fetch(text))
                task.add_done_callback(lambda _: self.on_done())
                self.running[text.id] = task
            return None
        if not task.done():
            return None
        del self.running[text.id]
        return task.result()  # a failure is the text's: handled like any other

    def cancel(self) -> None:
        for task in self.running.values():
            task.cancel()


@dataclass
class Handling:
    handled: int = 0
    set_aside: int = 0
    queued_replies: int = 0
    waiting: bool = False  # the database was busy: the rest waits for the next round
    fetching: int = 0  # MMS whose attachments are still on their way


async def handle_pending(
    store: Store,
    now: Callable[[], datetime],
    *,
    worker: str | None = None,
    on_handled: Callable[[InboundText, inbound.Handled | None, str], None] | None = None,
    fetch_media: MediaFetches | None = None,
) -> Handling:
    """Handle the texts kept and not handled yet, oldest first; an MMS once its
    attachments are fetched (fetch_media, outside any transaction, beside the rest).
    The batch is claimed for `worker` first: another service on the database takes
    other senders' texts meanwhile, never this batch's."""
    result = Handling()
    worker = worker or claims.worker_name()
    try:
        async with store.transaction() as repo:
            at = now()
            pending = await repo.claim_inbound_texts(worker, at, at + LEASE, BATCH)
    except StorageBusy:
        result.waiting = True
        return result
    for text in pending:
        try:
            media = None
            if fetch_media is not None and text.media:
                media = fetch_media.ready(text)
                if media is None:
                    result.fetching += 1
                    continue
            handled = await handle_one(store, text.id, now(), media)
        except StorageBusy:
            result.waiting = True
            break
        except Exception as exc:  # one bad text must not stop the ones behind it
            result.set_aside += await _set_aside(store, text, exc, now())
            continue
        if handled is None:
            continue  # handled meanwhile by someone else (`text inject`, a second service)
        result.handled += 1
        result.queued_replies += sum(1 for q in handled.queued if q.refused is None)
        if on_handled is not None:
            on_handled(text, handled, "; ".join(handled.notes))
    return result


async def handle_one(
    store: Store, text_id: int, now: datetime, media: list[dict[str, Any]] | None = None
) -> inbound.Handled | None:
    """Handle one kept text, in one transaction with its handled mark; None when it was
    handled already. `media`: its attachments as fetched (else listed by URL)."""
    async with store.transaction() as repo:
        text = await repo.take_inbound_text(text_id, now)  # taken once, by one worker
        if text is None:
            return None
        if media is None:
            media = [{"url": m.url[:500], "not_fetched": "not fetched"} for m in text.media]
        handled = await _handle(repo, text, now, media)
        await repo.inbound_text_handled(text.id, now, "; ".join(handled.notes) or "handled")
    return handled


async def _handle(
    repo: Repository, text: InboundText, now: datetime, media: list[dict[str, Any]]
) -> inbound.Handled:
    try:
        phone.to_e164(text.sender)
    except UserError:
        logs.event(
            log,
            "text refused",
            reason="the sender is not a phone number",
            did=text.smart_number,
            sender_uri=text.from_header[:120],
        )
        return inbound.Handled(notes=["refused: the sender is not a phone number"])
    body = text.body
    if not body and text.content_length:
        # Asterisk 16 drops a MESSAGE body of 1024 bytes or more (res_pjsip_messaging).
        body = inbound.lost_body(text.content_length)
    return await inbound.receive(repo, text.sender, text.smart_number, body, now, media=media)


async def _set_aside(store: Store, text: InboundText, exc: Exception, now: datetime) -> int:
    """Count a failed attempt; after MAX_ATTEMPTS mark the text handled with the error,
    so it no longer blocks the inbox (it stays there to be looked at)."""
    error = f"could not be handled: {exc}"[:500]
    if not isinstance(exc, UserError | StorageError):
        log.exception("handling an inbound text failed", exc_info=exc)
    try:
        async with store.transaction() as repo:
            if text.attempts + 1 >= MAX_ATTEMPTS or isinstance(exc, UserError):
                await repo.inbound_text_handled(text.id, now, error)
                logs.event(log, "text set aside", text_id=text.id, error=error)
                return 1
            await repo.inbound_text_attempted(text.id, error)
    except StorageError:
        pass
    return 0
