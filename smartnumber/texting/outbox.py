"""The text outbox: every text that leaves is stored first, then delivered from here.

queue() writes a text in the caller's transaction, so it is kept exactly when what it
reports is (a timeline entry, an opt-out). Automatic texts -- confirmations, HELP
answers, auto-replies, lead alerts, forwards -- are checked first: only to the United
States and Canada (the forwarding rule), and at most `texting.auto_reply_limit` replies
to one number per hour. What they may not send is kept as 'refused', never sent: an
attacker cannot make the business pay for texts abroad (SMS pumping).

deliver_due() is the routing service's job: it re-checks each text (an opt-out that
arrived meanwhile cancels it), hands it to the transport, and records the outcome --
sent, or retried with backoff, or failed with the reason -- on the outbox row and on the
text's timeline entry. While Asterisk is unreachable texts simply wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ..errors import UserError
from ..model import Outgoing, QueuedText, TextStatus
from ..routing import forwarding
from ..storage.repository import NewText, Repository, Store, Texting
from . import progress
from .carriers import knowledge, receipts, wire

# Texts the system writes by itself. Those to the person who texted (REPLIES) count
# toward the per-sender limit; forwards and alerts go to the agents' own cells.
REPLIES = ("confirmation", "help", "auto-reply", "not-delivered")
AUTOMATIC = (*REPLIES, "forward", "lead-alert")
# Confirmations answer the opt-out itself: they go to a number that just opted out.
NO_OPT_OUT_CHECK = ("confirmation", "forward", "lead-alert", "not-delivered")

MAX_REFUSALS = 5  # the carrier side refused it this many times: failed
FIRST_RETRY = timedelta(seconds=5)
LAST_RETRY = timedelta(minutes=5)
EXPIRES = timedelta(hours=24)  # still undelivered after this: failed, the moment has passed
BATCH = 20
LEASE = timedelta(minutes=2)  # a claimed batch is ours this long; a dead worker's is free after
LEASE_MARGIN = timedelta(seconds=40)  # a text is not begun with less of the lease left ...
DELIVERY_SECONDS = 30  # ... for handing one over takes at most this (else: retried)


class Transport(Protocol):
    async def deliver(self, message: Outgoing) -> wire.Handed | None:
        """Hand one text to the carrier side; what an HTTP carrier calls it (None over
        SIP). UserError: it refused the text (wire.Refused: for good, with a code);
        ConnectionError or TimeoutError: it could not be reached (retried freely)."""
        ...


@dataclass(frozen=True)
class AutomaticPolicy:
    """Where automatic texts may go, from the settings."""

    allow_us_territories: bool = False
    replies_per_hour: int = 5

    @classmethod
    def from_settings(cls, values: Mapping[str, str]) -> AutomaticPolicy:
        return cls(
            allow_us_territories=values["forwarding.allow_us_territories"] == "yes",
            replies_per_hour=int(values["texting.auto_reply_limit"]),
        )


@dataclass(frozen=True)
class Queued:
    id: int
    message: Outgoing
    refused: str | None = None  # why an automatic text will not go


async def queue(
    repo: Texting,
    message: Outgoing,
    now: datetime,
    *,
    policy: AutomaticPolicy,
    activity_id: int | None = None,
    not_before: datetime | None = None,
) -> Queued:
    """Store a text to be delivered (not before `not_before`: quiet hours); an automatic
    one the policy forbids is stored as refused, with the reason."""
    refused = await _refusal(repo, message, now, policy) if message.purpose in AUTOMATIC else None
    text_id = await repo.queue_text(
        NewText(
            sender=message.sender,
            recipient=message.to,
            body=message.body,
            purpose=message.purpose,
            created_at=now,
            activity_id=activity_id,
            not_before=not_before,
            status=TextStatus.REFUSED if refused else TextStatus.QUEUED,
            reason=refused,
        )
    )
    return Queued(text_id, message, refused)


async def _refusal(
    repo: Texting, message: Outgoing, now: datetime, policy: AutomaticPolicy
) -> str | None:
    verdict = forwarding.check(message.to, allow_us_territories=policy.allow_us_territories)
    if not verdict.allowed:
        return f"automatic texts go only to the United States and Canada: {verdict.reason}"
    if message.purpose in REPLIES:
        recent = await repo.automatic_texts_to(message.to, REPLIES, now - timedelta(hours=1))
        if recent >= policy.replies_per_hour:
            return f"{recent} automatic replies to {message.to} in the last hour already"
    return None


# -- delivery (the routing service) ----------------------------------------------------------


@dataclass
class Delivered:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    unreachable: bool = False  # the transport could not be reached: the rest wait


async def deliver_due(
    store: Store,
    transport: Transport,
    now: Callable[[], datetime],
    *,
    worker: str,
    on_outcome: Callable[[QueuedText, TextStatus, str | None], None] | None = None,
) -> Delivered:
    """Deliver what is due, one text at a time (in order: the parts of a conversation stay
    in order). When a Smart Number's carrier cannot be reached, its later texts wait
    too; other numbers' texts go on.

    Several services may share the database: the batch is claimed for `worker` with a
    lease first, so no other takes it, and each text is settled only while still held.
    A text is not begun with less than LEASE_MARGIN of the lease left (a slow carrier
    could outlast it, and another worker would send it again); it waits for the next
    claim instead."""
    done = Delivered()
    async with store.transaction() as repo:
        lease_until = now() + LEASE
        due = await repo.claim_due_texts(worker, now(), lease_until, BATCH)
    unreachable: set[str] = set()  # senders whose carrier could not be reached this round
    left: list[int] = []  # claimed but not tried this round: released for the next
    for text in due:
        if text.sender in unreachable or lease_until - now() < LEASE_MARGIN:
            left.append(text.id)
            continue
        async with store.transaction() as repo:
            reason = await _withdrawn(repo, text, now())
            if reason is not None:
                status = TextStatus.FAILED if reason.startswith("not delivered") else None
                if not await _finish(
                    repo, text, status or TextStatus.CANCELLED, now(), reason, worker=worker
                ):
                    continue  # no longer ours
        if reason is not None:
            done.cancelled += status is None
            done.failed += status is not None
            _tell(on_outcome, text, status or TextStatus.CANCELLED, reason)
            continue
        try:
            async with asyncio.timeout(DELIVERY_SECONDS):  # well within the lease
                handed = await transport.deliver(_message(text))
        except (ConnectionError, TimeoutError, OSError) as exc:
            # Not the text's fault: it keeps its place (and the ones after it from the same
            # number theirs, so a conversation stays in order); tried again next round.
            error = f"the carrier side could not be reached: {exc}"
            async with store.transaction() as repo:  # it keeps its place; the claim goes
                await repo.text_attempted(
                    text.id, error, text.not_before, counts=False, worker=worker
                )
            done.unreachable = True
            unreachable.add(text.sender)
            continue
        except UserError as exc:
            refusals = text.attempts + 1
            final = isinstance(exc, wire.Refused) or refusals >= MAX_REFUSALS
            async with store.transaction() as repo:
                if final:
                    code = exc.code if isinstance(exc, wire.Refused) else None
                    held = await _finish(
                        repo, text, TextStatus.FAILED, now(), str(exc), code=code, worker=worker
                    )
                    if held and isinstance(exc, wire.Refused):
                        await knowledge.learn(repo, exc.carrier, text, wire.FAILED, exc.code, now())
                else:
                    retry_at = now() + _backoff(refusals)
                    await repo.text_attempted(text.id, str(exc), retry_at, worker=worker)
            if final:
                done.failed += 1
                _tell(on_outcome, text, TextStatus.FAILED, str(exc))
            continue
        async with store.transaction() as repo:
            # Sent is sent: even if our lease ran out meanwhile (it should not: see
            # LEASE_MARGIN), the text is marked, never left for another to send again.
            await _finish(repo, text, TextStatus.SENT, now())
            if handed is not None:
                await repo.text_handed(text.id, handed.carrier_id, handed.message_id)
                await receipts.settle(repo, handed.carrier_id, handed.message_id, now())
        done.sent += 1
        _tell(on_outcome, text, TextStatus.SENT, None)
    if left:
        async with store.transaction() as repo:
            await repo.release_texts(worker, left)
    return done


async def _withdrawn(repo: Texting, text: QueuedText, now: datetime) -> str | None:
    """Why a queued text must not go after all (checked again at delivery), or None."""
    if now - text.created_at > EXPIRES:
        return f"not delivered within {EXPIRES.total_seconds() / 3600:.0f} h"
    if text.purpose not in NO_OPT_OUT_CHECK and await repo.opted_out(text.recipient):
        return "the contact opted out before it went"
    return None


async def _finish(
    repo: Repository,
    text: QueuedText,
    status: TextStatus,
    at: datetime,
    reason: str | None = None,
    *,
    code: str | None = None,
    worker: str | None = None,
) -> bool:
    """The text's final status in the outbox, on its timeline entry and to the CRM; False
    (nothing written) when `worker` no longer holds it."""
    if not await repo.text_done(text.id, status, at, reason, worker=worker):
        return False
    await progress.show(repo, text, status.value, at, reason, code=code)
    return True


def _tell(
    on_outcome: Callable[[QueuedText, TextStatus, str | None], None] | None,
    text: QueuedText,
    status: TextStatus,
    reason: str | None,
) -> None:
    if on_outcome is not None:
        on_outcome(text, status, reason)


def _message(text: QueuedText) -> Outgoing:
    return Outgoing(text.sender, text.recipient, text.body, text.purpose)


def _backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... at most 5 minutes between tries."""
    delay: timedelta = FIRST_RETRY * (2 ** max(0, attempts))
    return min(delay, LAST_RETRY)


# -- reading it (the CLI) ------------------------------------------------------------------


async def listing(repo: Texting, everything: bool, limit: int) -> list[QueuedText]:
    """What waits (everything: and what became of the rest), newest first."""
    statuses = list(TextStatus) if everything else [TextStatus.QUEUED]
    return await repo.texts_by_status(statuses, limit)


# -- waiting on an outcome (the CLI) -----------------------------------------------------------


async def outcome(store: Store, text_ids: Iterable[int], within: float) -> list[QueuedText]:
    """The texts once none is queued any more, or as they are after `within` seconds."""
    ids = list(text_ids)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        async with store.transaction() as repo:
            texts = [t for t in [await repo.queued_text(i) for i in ids] if t is not None]
        if all(t.status is not TextStatus.QUEUED for t in texts) or loop.time() >= deadline:
            return texts
        await asyncio.sleep(0.1)
