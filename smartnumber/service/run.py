"""`smartnumber serve`: the FastAGI server and the AMI link in one asyncio process."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import resource
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from .. import claims, clock, logs, media, settings, storage
from ..asterisk import cdr, events
from ..asterisk.agi import text_spool
from ..asterisk.agi.context import HandlerContext
from ..asterisk.agi.routes import ROUTES, overloaded
from ..asterisk.agi.server import FastAgiServer
from ..asterisk.ami import AmiConfig, AmiLink
from ..asterisk.messaging import AsteriskMessages
from ..asterisk.originate import AmiCallPlacer
from ..calls import placing, reconcile
from ..calls.click_to_call import CallPlacer
from ..errors import StorageError, UserError
from ..model import InboundText, QueuedText, TextStatus
from ..storage import Store, open_store, shown
from ..texting import inbound, inbox, outbox
from ..texting import notices as mail
from ..texting.carriers import mms
from ..texting.carriers.transport import Transports
from .config import ServiceConfig

log = logging.getLogger("smartnumber.service")
T = TypeVar("T")
OUTBOX_POLL_SECONDS = 1.0  # texts queued by the CLI wait at most this long
INBOX_POLL_SECONDS = 2.0  # the dialplan's spool is looked at this often
RECONCILE_SECONDS = 60.0  # calls and recordings are reconciled this often (and at start)
CALL_REQUESTS_POLL_SECONDS = 1.0  # click-to-calls the API kept wait at most this long


def raise_open_files_limit() -> int:
    """Each AGI session is a socket: allow as many as the hard limit does (up to 65536)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    return soft


async def serve(db: str | Path, config_file: Path | None, flags: dict[str, Any]) -> None:
    """`smartnumber serve`: the configuration from the database settings, then the TOML
    file, then the flags; logging set up; then run() on the same store."""
    store = await _open(db)
    try:
        async with store.transaction() as repo:
            config = ServiceConfig.from_settings(await settings.load(repo))
        if config_file is not None:
            config = config.with_file(config_file)
        config = config.with_values(flags)
        logs.setup(config.log_level)
    except BaseException:
        await store.close()
        raise
    await run(config, db, store=store)


async def run(
    config: ServiceConfig,
    db: str | Path,
    stop: asyncio.Event | None = None,
    *,
    store: Store | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT (or `stop` is set), on `store` (else the database `db`
    is opened). A start-up failure (database, media directory, port) closes whatever was
    opened and raises a UserError naming the cause, so the process exits instead of
    lingering."""
    open_files = raise_open_files_limit()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with contextlib.AsyncExitStack() as running:
            opened = store or await _open(db)
            running.push_async_callback(opened.close)
            await _start(config, db, opened, running, open_files)
            await stop.wait()
            logs.event(log, "stopping")
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def _open(db: str | Path) -> Store:
    try:
        return await open_store(db, create=False)
    except StorageError as exc:
        raise UserError(f"cannot start: {exc}") from None


async def _start(
    config: ServiceConfig,
    db: str | Path,
    store: Store,
    running: contextlib.AsyncExitStack,
    open_files: int,
) -> None:
    """Start everything the service holds, each registered on `running` to be closed."""
    async with store.transaction() as repo:
        values = await settings.load(repo)
    media_dir = media.directory(values, storage.home(db))
    try:
        media.create_dirs(media_dir)  # Asterisk writes recordings there
    except OSError as exc:
        raise UserError(
            f"cannot start: the media directory {media_dir}: {exc.strerror} (setting media.dir)"
        ) from None
    ami = AmiLink(
        AmiConfig(
            config.ami_host,
            config.ami_port,
            config.ami_username,
            config.ami_secret,
            ping_interval=config.ami_ping_interval,
            ping_timeout=config.ami_ping_timeout,
            events="user",  # only the hangup handler's UserEvents: see outcomes.py
        )
    )
    # Texts leave by their number's carrier: HTTP (Telnyx, Twilio) or the trunk (SIP).
    texts_out = Transports(
        store,
        AsteriskMessages(ami, values["trunk.host"], values["trunk.port"], values["sip.bind"]),
        clock.now,
    )
    running.push_async_callback(texts_out.close)
    fetcher = mms.Fetcher(store, media_dir, mms.client())
    running.push_async_callback(fetcher.client.aclose)
    context = HandlerContext(store, clock.now, config.routing_budget_ms / 1000, media_dir)
    # Stopping: the routed calls answered already are written before the store closes
    # (callbacks run last-pushed first: this one after the FastAGI server has closed).
    running.push_async_callback(context.writes.flush)
    server = FastAgiServer(
        ROUTES,
        context,
        token=config.agi_token,
        header_timeout=config.agi_header_timeout,
        command_timeout=config.agi_command_timeout,
        session_timeout=config.agi_session_timeout,
        max_sessions=config.agi_max_sessions,
        overloaded=overloaded,
    )
    recording: set[asyncio.Task[int | None]] = set()

    def on_user_event(event: dict[str, str]) -> None:
        if events.is_call_ended(event):  # report() reads it
            task = asyncio.create_task(events.report(event, context))
            recording.add(task)
            task.add_done_callback(_finished(recording))

    ami.on_event("UserEvent", on_user_event)
    try:
        await server.start(config.agi_bind, config.agi_port)
    except OSError as exc:
        raise UserError(
            f"cannot serve FastAGI on {config.agi_bind}:{config.agi_port}: {exc.strerror}"
        ) from None
    running.push_async_callback(server.close)
    ami.start()
    running.push_async_callback(ami.stop)
    mailer = asyncio.create_task(_retry_mail(store, mail.SmtpConfig.from_settings(values)))
    running.callback(mailer.cancel)
    sender = asyncio.create_task(_deliver_texts(store, texts_out, context.texts_queued))
    running.callback(sender.cancel)
    handler = asyncio.create_task(
        _handle_texts(store, media.inbox_dir(media_dir), context, fetcher)
    )
    running.callback(handler.cancel)
    # Click-to-calls the HTTP API kept: placed with the CLI's AMI login (it may originate).
    caller = asyncio.create_task(_place_calls(store, AmiCallPlacer.with_cli_login(values)))
    running.callback(caller.cancel)
    cdr_file = Path(values["asterisk.cdr_file"]) if values["asterisk.cdr_file"] else None
    reconciler = asyncio.create_task(_reconcile(store, media_dir, cdr_file, context.writes.written))
    running.callback(reconciler.cancel)
    logs.event(
        log,
        "serving",
        agi=f"{config.agi_bind}:{config.agi_port}",
        ami=f"{config.ami_host}:{config.ami_port}",
        db=shown(str(db)),
        media=str(media_dir),
        routes=sorted(ROUTES),
        routing_budget_ms=config.routing_budget_ms,
        agi_max_sessions=config.agi_max_sessions,
        open_files=open_files,
    )


async def _repeat(
    work: Callable[[], Awaitable[None]],
    *,
    every: float,
    wake: asyncio.Event | None = None,
    waits_on: tuple[type[Exception], ...] = (StorageError,),
    waiting: str = "",
    failed: str,
) -> None:
    """Do `work` now, then every `every` seconds or as soon as `wake` is set. What it
    waits on (a locked database) is one log line; anything else is logged with its
    traceback. Either way the service goes on: the work is retried from the store."""
    while True:
        if wake is not None:
            wake.clear()
        try:
            await work()
        except waits_on as exc:
            logs.event(log, waiting, error=str(exc))
        except Exception:
            log.exception(failed)
        if wake is None:
            await asyncio.sleep(every)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), every)


async def _retry_mail(store: Store, config: mail.SmtpConfig) -> None:
    """Send queued email (suspension notices) every minute until it goes."""

    async def flush() -> None:
        sent, waiting = await mail.flush(store, config, clock.now)
        if sent or waiting:
            logs.event(log, "mail flushed", sent=sent, queued=waiting)

    # Any failure, the database's included, is logged whole: a broken mail setup is
    # something an admin must see and mend.
    await _repeat(flush, every=mail.RETRY_SECONDS, waits_on=(), failed="sending queued mail failed")


async def _deliver_texts(store: Store, transport: Transports, queued: asyncio.Event) -> None:
    """Deliver the outbox: at once when a handler queued texts, or (PostgreSQL) another
    process did, else every second (texts the CLI and the API queued into SQLite).
    While the AMI (or a number's HTTP carrier) is down, that number's texts wait; they
    go once it is back."""

    def told(text: QueuedText, status: TextStatus, reason: str | None) -> None:
        logs.event(
            log, f"text {status.value}", to=text.recipient, purpose=text.purpose,
            text_id=text.id, reason=reason,
        )  # fmt: skip

    worker = claims.worker_name()  # this service, among all sharing the database

    async def deliver() -> None:
        await outbox.deliver_due(store, transport, clock.now, worker=worker, on_outcome=told)

    async with store.listen("text_outbox", queued.set):  # the CLI, the API, other nodes
        await _repeat(
            deliver,
            every=OUTBOX_POLL_SECONDS,
            wake=queued,
            waiting="outbox not read",  # locked for a while: the texts are still queued
            failed="delivering texts failed",
        )


async def _handle_texts(
    store: Store, spool: Path, ctx: HandlerContext, fetcher: mms.Fetcher
) -> None:
    """Handle the inbox: at once when a text was kept, else every few seconds -- and
    fetch what the dialplan spooled while we were away or the database was locked."""

    def told(text: InboundText, handled: inbound.Handled | None, notes: str) -> None:
        logs.event(
            log,
            "text received",
            did=text.smart_number,
            sender=text.sender,
            via=text.via,
            text_id=text.id,
            chars=len(text.body),
            notes=notes,
        )

    fetches = inbox.MediaFetches(fetcher, on_done=ctx.texts_arrived.set)
    worker = claims.worker_name()  # this service, among all sharing the database

    async def handle() -> None:
        await text_spool.drain(store, spool, clock.now())
        done = await inbox.handle_pending(
            store, clock.now, worker=worker, on_handled=told, fetch_media=fetches
        )
        if done.queued_replies:
            ctx.texts_queued.set()

    try:
        async with store.listen("text_inbox", ctx.texts_arrived.set):  # the API's carriers
            await _repeat(
                handle,
                every=INBOX_POLL_SECONDS,
                wake=ctx.texts_arrived,
                waiting="inbox not read",
                failed="handling inbound texts failed",
            )
    finally:
        fetches.cancel()


async def _place_calls(store: Store, placer: CallPlacer) -> None:
    """Place the click-to-calls the HTTP API kept (any node's API: this service or
    another claims each, once), each followed to its end by a task of its own."""
    worker = claims.worker_name()
    wake = asyncio.Event()
    calls: set[asyncio.Task[None]] = set()

    async def claim() -> None:
        for request in await placing.claim_requested(store, worker, clock.now):
            logs.event(log, "click-to-call claimed", call_id=request.call_key)
            call = asyncio.create_task(placing.place_requested(store, placer, request, clock.now))
            calls.add(call)
            call.add_done_callback(_finished(calls, "following a click-to-call failed"))

    try:
        async with store.listen("call_requests", wake.set):
            await _repeat(
                claim,
                every=CALL_REQUESTS_POLL_SECONDS,
                wake=wake,
                waiting="click-to-call requests not read",
                failed="claiming click-to-call requests failed",
            )
    finally:
        for call in calls:
            call.cancel()


async def _reconcile(
    store: Store,
    media_dir: Path,
    cdr_file: Path | None,
    written: Callable[[str], Awaitable[None]],
) -> None:
    """At start and every minute: complete calls whose outcome never arrived, from the
    CDR (writing first any the service answered but did not write: `written` waits for
    those it is writing still), and keep recordings nobody has put on a timeline, from
    the media directory."""

    async def reconcile_once() -> None:
        if cdr_file is not None:
            read = functools.partial(cdr.read, cdr_file)
            position = reconcile.node_key(reconcile.CDR_OFFSET, cdr_file)
            await reconcile.from_cdr(
                store, read, media_dir, clock.now(), position=position, written=written
            )
        await reconcile.from_media(store, media_dir, clock.now())

    await _repeat(
        reconcile_once,
        every=RECONCILE_SECONDS,
        waits_on=(StorageError, OSError),
        waiting="reconciling calls waits",
        failed="reconciling calls failed",
    )


def _finished(
    tasks: set[asyncio.Task[T]], failed: str = "recording a call outcome failed"
) -> Callable[[asyncio.Task[T]], None]:
    """Forget a finished task, logging it if it failed (nothing else awaits it)."""

    def done(task: asyncio.Task[T]) -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error(failed, exc_info=task.exception())

    return done
