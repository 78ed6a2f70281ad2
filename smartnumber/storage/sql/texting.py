"""Texting in SQLite: opt-outs, text codes, suspensions and what the detectors read,
email, the text inbox and outbox (compliance.py: consent, registration, caller identity,
revocation phrases and holds; carriers.py: what HTTP carriers said of texts)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from ...model import (
    Detail,
    Email,
    InboundText,
    QueuedText,
    Suspension,
    TextCode,
    TextStatus,
)
from ..repository import (
    NewInboundText,
    NewText,
    ReceivedText,
    SentText,
)
from .rows import (
    CODE_COLUMNS,
    INBOX_COLUMNS,
    TEXT_COLUMNS,
    as_inbound_text,
    as_queued_text,
    as_text_code,
)
from .statements import (
    Statements,
    from_millis,
    to_millis,
)

FLOOR_KEY = "text_outbox_floor"  # service_state: "floor,looked at,looked from 0 at" (ms)
INBOX_FLOOR_KEY = "text_inbox_floor"  # "floor (an id),looked at,looked from 0 at,newest id"
FLOOR_MS = 1_000
FLOOR_FULL_MS = 30_000
FLOOR_SKEW_MS = 2_000


def _lately(at: int, then: int, span: int) -> bool:
    """Was `then` (ms, another claimer's clock) less than `span` before `at`? A `then`
    after `at` counts as lately too, within FLOOR_FULL_MS: a claim's `now` is read before
    its batch is kept, so claimers lag each other, and a lag that restarted the floor
    from nothing made every claim walk the queue again -- slower claims, more lag (the
    inbox fell to a sixth of its throughput under a held transaction). An older floor
    is only ever lower: safe, just slower."""
    return -FLOOR_FULL_MS < at - then < span


class TextingRows(Statements):
    """Everything texting keeps."""

    # -- texting -------------------------------------------------------------

    async def opted_out(self, e164: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM text_opt_outs WHERE e164 = ? UNION ALL SELECT 1 FROM contact_phones"
            " WHERE e164 = ? AND subscription = 'unsubscribed' LIMIT 1",
            (e164, e164),
        )
        return row is not None

    async def set_opted_out(self, e164: str, out: bool, at: datetime, evidence: str = "") -> None:
        if out:
            await self._exec(
                "INSERT INTO text_opt_outs (e164, at) VALUES (?, ?) ON CONFLICT (e164) DO NOTHING",
                (e164, to_millis(at)),
            )
        else:
            await self._exec("DELETE FROM text_opt_outs WHERE e164 = ?", (e164,))
        await self._exec(
            "UPDATE contact_phones SET subscription = ? WHERE e164 = ?",
            ("unsubscribed" if out else "subscribed", e164),
        )
        await self._exec(
            "INSERT INTO consent_ledger (e164, event, evidence, at) VALUES (?, ?, ?, ?)",
            (e164, "opt-out" if out else "opt-in", evidence, to_millis(at)),
        )

    async def add_text_code(self, code: TextCode) -> None:
        await self._add(
            "INSERT INTO text_codes (code, reply, agent_id, number_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (code.code, code.reply, code.agent_id, code.number_id, to_millis(code.created_at)),
            f"text code {code.code!r}",
        )

    async def text_code(self, code: str) -> TextCode | None:
        row = await self._one(f"SELECT {CODE_COLUMNS} FROM text_codes WHERE code = ?", (code,))
        return as_text_code(row) if row else None

    async def text_codes(self) -> list[TextCode]:
        return [
            as_text_code(r)
            for r in await self._all(f"SELECT {CODE_COLUMNS} FROM text_codes ORDER BY code")
        ]

    async def remove_text_code(self, code: str) -> bool:
        changes = await self._exec("DELETE FROM text_codes WHERE code = ?", (code,))
        return changes > 0

    # -- suspensions and the detectors' history --------------------------------

    async def add_suspension(self, suspension: Suspension) -> int:
        return await self._insert(
            "INSERT INTO suspensions (agent_id, pattern, summary, evidence, started_at, ends_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                suspension.agent_id,
                suspension.pattern,
                suspension.summary,
                json.dumps(list(suspension.evidence)),
                to_millis(suspension.started_at),
                to_millis(suspension.ends_at),
            ),
            "suspension",
        )

    async def suspensions(self, agent_id: int | None) -> list[Suspension]:
        where, params = ("WHERE agent_id = ?", [agent_id]) if agent_id is not None else ("", [])
        rows = await self._all(
            "SELECT id, agent_id, pattern, summary, evidence, started_at, ends_at, lifted_at,"
            f" lifted_reason FROM suspensions {where} ORDER BY started_at DESC, id DESC",
            params,
        )
        return [
            Suspension(
                r[0],
                r[1],
                r[2],
                r[3],
                tuple(json.loads(r[4])),
                from_millis(r[5]),
                from_millis(r[6]),
                from_millis(r[7]) if r[7] is not None else None,
                r[8],
            )
            for r in rows
        ]

    async def lift_suspension(self, suspension_id: int, at: datetime, reason: str) -> None:
        await self._exec(
            "UPDATE suspensions SET lifted_at = ?, lifted_reason = ? WHERE id = ?",
            (to_millis(at), reason, suspension_id),
        )

    # The spam detectors' history: SQL filters on columns; the body and keyword come from
    # the detail in Python (keys are model.Detail's).
    async def agent_texts(self, agent_id: int, since: datetime) -> list[SentText]:
        rows = await self._all(
            "SELECT at, peer, detail FROM activities WHERE agent_id = ? AND at >= ?"
            " AND kind = 'text' AND direction = 'outbound' ORDER BY at",
            (agent_id, to_millis(since)),
        )
        return [
            SentText(from_millis(r[0]), r[1] or "", json.loads(r[2]).get(Detail.TEXT) or "")
            for r in rows
        ]

    async def texts_from(self, numbers: Sequence[str], since: datetime) -> list[ReceivedText]:
        if not numbers:
            return []
        marks = ",".join("?" * len(numbers))
        rows = await self._all(
            "SELECT at, peer, detail FROM activities"
            f" WHERE kind = 'text' AND direction = 'inbound' AND peer IN ({marks}) AND at >= ?"
            " ORDER BY at",
            [*numbers, to_millis(since)],
        )
        return [
            ReceivedText(from_millis(r[0]), r[1], json.loads(r[2]).get(Detail.KEYWORD))
            for r in rows
        ]

    # -- outbox --------------------------------------------------------------

    async def queue_email(
        self, to: str, subject: str, body: str, at: datetime, suspension_id: int | None = None
    ) -> int:
        return await self._insert(
            "INSERT INTO outbox (to_addr, subject, body, created_at, suspension_id)"
            " VALUES (?, ?, ?, ?, ?)",
            (to, subject, body, to_millis(at), suspension_id),
            "email",
        )

    async def suspension_emails(self, suspension_id: int) -> list[Email]:
        rows = await self._all(
            "SELECT id, to_addr, subject, body, attempts, sent_at, last_error FROM outbox"
            " WHERE suspension_id = ? ORDER BY id",
            (suspension_id,),
        )
        return [
            Email(r[0], r[1], r[2], r[3], r[4], from_millis(r[5]) if r[5] else None, r[6])
            for r in rows
        ]

    async def emails_of_suspensions(self, suspension_ids: Sequence[int]) -> dict[int, list[Email]]:
        found: dict[int, list[Email]] = {i: [] for i in suspension_ids}
        if not suspension_ids:
            return found
        marks = ",".join("?" * len(suspension_ids))
        rows = await self._all(
            "SELECT suspension_id, id, to_addr, subject, body, attempts, sent_at, last_error"
            f" FROM outbox WHERE suspension_id IN ({marks}) ORDER BY id",
            list(suspension_ids),
        )
        for r in rows:
            found[r[0]].append(
                Email(r[1], r[2], r[3], r[4], r[5], from_millis(r[6]) if r[6] else None, r[7])
            )
        return found

    async def unsent_emails(self, limit: int) -> list[Email]:
        rows = await self._all(
            "SELECT id, to_addr, subject, body, attempts, last_error FROM outbox"
            " WHERE sent_at IS NULL ORDER BY id LIMIT ?",
            (limit,),
        )
        return [Email(r[0], r[1], r[2], r[3], r[4], last_error=r[5]) for r in rows]

    async def claim_emails(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[Email]:
        at = to_millis(now)
        await self._db.serialise("outbox")
        rows = await self._all(
            "SELECT id FROM outbox WHERE sent_at IS NULL"
            " AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?"
            + self._db.skip_locked("outbox"),
            (at, limit),
        )
        ids = await self._claim(
            "outbox", [r[0] for r in rows], worker, at, to_millis(lease_until), ours=False
        )
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        claimed = await self._all(
            "SELECT id, to_addr, subject, body, attempts, last_error FROM outbox"
            f" WHERE id IN ({marks}) ORDER BY id",
            ids,
        )
        return [Email(r[0], r[1], r[2], r[3], r[4], last_error=r[5]) for r in claimed]

    async def email_sent(self, email_id: int, at: datetime, *, worker: str | None = None) -> bool:
        held = "" if worker is None else " AND claimed_by = ? AND sent_at IS NULL"
        changes = await self._exec(
            "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL,"
            " claimed_by = NULL, lease_until = NULL WHERE id = ?" + held,
            (to_millis(at), email_id, *([] if worker is None else [worker])),
        )
        return changes > 0

    async def email_failed(self, email_id: int, error: str, *, worker: str | None = None) -> bool:
        held = "" if worker is None else " AND claimed_by = ? AND sent_at IS NULL"
        changes = await self._exec(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, claimed_by = NULL,"
            " lease_until = NULL WHERE id = ?" + held,
            (error[:500], email_id, *([] if worker is None else [worker])),
        )
        return changes > 0

    # -- the text inbox -----------------------------------------------------

    async def keep_inbound_text(self, text: NewInboundText) -> int | None:
        row = await self._one(
            "INSERT INTO text_inbox (message_key, smart_number, sender, from_header, body,"
            " content_length, via, received_at, carrier_id, media)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_key) DO NOTHING"
            " RETURNING id",
            (
                text.message_key,
                text.smart_number,
                text.sender,
                text.from_header,
                text.body,
                text.content_length,
                text.via,
                to_millis(text.received_at),
                text.carrier_id,
                json.dumps([{"url": m.url, "content_type": m.content_type} for m in text.media]),
            ),
        )
        if row is None:
            return None
        self._db.notify("text_inbox")
        return int(row[0])

    async def inbound_text(self, text_id: int) -> InboundText | None:
        row = await self._one(f"SELECT {INBOX_COLUMNS} FROM text_inbox WHERE id = ?", (text_id,))
        return as_inbound_text(row) if row else None

    async def claim_inbound_texts(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[InboundText]:
        # Pending, free (or ours already: an MMS whose fetch goes on), and no earlier
        # pending text from the same sender held by another worker: one sender's STOP
        # and START are handled in the order they came.
        at = to_millis(now)
        await self._db.serialise("text_inbox")
        floor = await self._inbox_floor(at)
        rows = await self._all(
            "SELECT t.id FROM text_inbox t WHERE t.processed_at IS NULL AND t.id >= ?"
            " AND (t.lease_until IS NULL OR t.lease_until <= ? OR t.claimed_by = ?)"
            " AND NOT EXISTS (SELECT 1 FROM text_inbox o WHERE o.sender = t.sender"
            "  AND o.processed_at IS NULL AND o.id < t.id AND o.lease_until > ?"
            "  AND o.claimed_by != ?)"
            " ORDER BY t.id LIMIT ?" + self._db.skip_locked("t"),
            (floor, at, worker, at, worker, limit),
        )
        ids = await self._claim(
            "text_inbox", [r[0] for r in rows], worker, at, to_millis(lease_until), ours=True
        )
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        claimed = await self._all(
            f"SELECT {INBOX_COLUMNS} FROM text_inbox WHERE id IN ({marks}) ORDER BY id", ids
        )
        return [as_inbound_text(r) for r in claimed]

    async def _inbox_floor(self, at: int) -> int:
        """No pending inbound text has an id below this, as far as the last look found:
        claims start their scan there (as the outbox's, _outbox_floor: the texts handled
        since a transaction elsewhere began sit, uncleanable, at the low end of the
        pending index). Looked for again each FLOOR_MS from the floor up, and never put
        above the newest id the look before saw: a text given its id before that look
        but committed after this one (its transaction spanning FLOOR_MS) is above the
        floor still. One slower than that is found by the look from nothing that comes
        each FLOOR_FULL_MS."""
        kept = await self._state(INBOX_FLOOR_KEY)
        floor = looked = full = newest = 0
        if kept is not None:
            floor, looked, full, newest = (int(v) for v in kept.split(","))
            if _lately(at, looked, FLOOR_MS):
                return floor
        if not _lately(at, full, FLOOR_FULL_MS):
            floor, full, newest = 0, at, 0
        low, high = await self._each(
            ("SELECT MIN(id) FROM text_inbox WHERE processed_at IS NULL AND id >= ?", (floor,)),
            ("SELECT MAX(id) FROM text_inbox", ()),
        )
        top = high[0][0] if high and high[0][0] is not None else None
        if low and low[0][0] is not None:
            floor = int(low[0][0])
        elif top is not None:
            floor = int(top) + 1  # nothing pending: all there is was handled
        floor = min(floor, newest + 1)
        newest = int(top) if top is not None else newest
        await self._set_state(INBOX_FLOOR_KEY, f"{floor},{at},{full},{newest}")
        return floor

    async def take_inbound_text(self, text_id: int, at: datetime) -> InboundText | None:
        # The mark comes first and conditionally: of two workers, one changes the row
        # (the other waits on it, then finds it taken); undone if the handling fails.
        row = await self._one(
            "UPDATE text_inbox SET processed_at = ? WHERE id = ? AND processed_at IS NULL"
            f" RETURNING {INBOX_COLUMNS}",
            (to_millis(at), text_id),
        )
        return as_inbound_text(row) if row else None

    async def pending_inbound_texts(self, limit: int) -> list[InboundText]:
        rows = await self._all(
            f"SELECT {INBOX_COLUMNS} FROM text_inbox WHERE processed_at IS NULL"
            " ORDER BY id LIMIT ?",
            (limit,),
        )
        return [as_inbound_text(r) for r in rows]

    async def inbound_text_handled(self, text_id: int, at: datetime, outcome: str) -> None:
        await self._exec(
            "UPDATE text_inbox SET processed_at = ?, outcome = ?, attempts = attempts + 1"
            " WHERE id = ?",
            (to_millis(at), outcome[:2000], text_id),
        )

    async def inbound_text_attempted(self, text_id: int, error: str) -> None:
        await self._exec(
            "UPDATE text_inbox SET attempts = attempts + 1, outcome = ? WHERE id = ?",
            (error[:2000], text_id),
        )

    # -- the text outbox ----------------------------------------------------

    async def queue_text(self, text: NewText) -> int:
        at = to_millis(text.created_at)
        if text.status is TextStatus.QUEUED:
            self._db.notify("text_outbox")
        return await self._insert(
            "INSERT INTO text_outbox (sender, recipient, body, purpose, activity_id, status,"
            " created_at, not_before, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                text.sender,
                text.recipient,
                text.body,
                text.purpose,
                text.activity_id,
                text.status.value,
                at,
                to_millis(text.not_before) if text.not_before else at,
                text.reason,
            ),
            "text",
        )

    async def queued_text(self, text_id: int) -> QueuedText | None:
        row = await self._one(f"SELECT {TEXT_COLUMNS} FROM text_outbox WHERE id = ?", (text_id,))
        return as_queued_text(row) if row else None

    async def due_texts(self, now: datetime, limit: int) -> list[QueuedText]:
        rows = await self._all(
            f"SELECT {TEXT_COLUMNS} FROM text_outbox WHERE status = 'queued'"
            " AND not_before <= ? ORDER BY not_before, id LIMIT ?",
            (to_millis(now), limit),
        )
        return [as_queued_text(r) for r in rows]

    async def texts_by_status(
        self, statuses: Sequence[TextStatus], limit: int, after_id: int = 0
    ) -> list[QueuedText]:
        marks = ",".join("?" * len(statuses)) or "NULL"
        rows = await self._all(
            f"SELECT {TEXT_COLUMNS} FROM text_outbox WHERE status IN ({marks}) AND id > ?"
            " ORDER BY id DESC LIMIT ?",
            [*(s.value for s in statuses), after_id, limit],
        )
        return [as_queued_text(r) for r in rows]

    async def claim_due_texts(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[QueuedText]:
        # Due, not held by a live lease (not even our own: it is being sent), and no
        # earlier queued text to the same recipient held by another worker: a
        # conversation goes out in order.
        at = to_millis(now)
        await self._db.serialise("text_outbox")
        floor = await self._outbox_floor(at)
        due = await self._all(
            "SELECT t.id, t.recipient FROM text_outbox t WHERE t.status = 'queued'"
            " AND t.not_before <= ? AND t.not_before >= ?"
            " AND (t.lease_until IS NULL OR t.lease_until <= ?)"
            " ORDER BY t.not_before, t.id LIMIT ?" + self._db.skip_locked("t"),
            (at, floor, at, 2 * limit),
        )
        # Then those another worker holds an earlier text to, by the index of held texts
        # (text_outbox_held): status is checked here, so that no index of queued texts
        # serves it. One statement with NOT EXISTS had PostgreSQL, misled by a queue
        # whose dead rows it could not clean, scan the queue once for every candidate.
        recipients = sorted({r[1] for r in due})
        marks = ",".join("?" * len(recipients))
        held = (
            await self._all(
                "SELECT recipient, id, status FROM text_outbox"
                f" WHERE recipient IN ({marks}) AND lease_until > ? AND claimed_by != ?",
                [*recipients, at, worker],
            )
            if recipients
            else []
        )
        first_held: dict[str, int] = {}
        for recipient, text_id, status in held:
            if status == TextStatus.QUEUED.value:
                first_held[recipient] = min(int(text_id), first_held.get(recipient, int(text_id)))
        free = [r[0] for r in due if first_held.get(r[1], r[0] + 1) > r[0]][:limit]
        ids = await self._claim("text_outbox", free, worker, at, to_millis(lease_until), ours=False)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        claimed = await self._all(
            f"SELECT {TEXT_COLUMNS} FROM text_outbox WHERE id IN ({marks}) ORDER BY not_before, id",
            ids,
        )
        return [as_queued_text(r) for r in claimed]

    async def _outbox_floor(self, at: int) -> int:
        """No queued text is due before this (ms), as far as the last look found: claims
        start their scan there. While a transaction elsewhere stays open, PostgreSQL
        cannot clean the entries of texts sent since it began, and a scan from the start
        would step over every one of them (held_open in docs/performance.md). Looked for
        again each FLOOR_MS from the floor up, and each FLOOR_FULL_MS from nothing, which
        finds a text queued below the floor (a node whose clock is behind by more than
        FLOOR_SKEW_MS) within that time."""
        kept = await self._state(FLOOR_KEY)
        floor = looked = full = 0
        if kept is not None:
            floor, looked, full = (int(v) for v in kept.split(","))
            if _lately(at, looked, FLOOR_MS):
                return floor
        if not _lately(at, full, FLOOR_FULL_MS):
            floor, full = 0, at
        low = await self._one(
            "SELECT MIN(not_before) FROM text_outbox WHERE status = 'queued' AND not_before >= ?",
            (floor,),
        )
        floor = int(low[0]) if low and low[0] is not None else floor
        # A text queued from now on is due from when it was queued (or later): below
        # `at`, less what the nodes' clocks and a slow request may be behind by.
        floor = min(floor, at - FLOOR_SKEW_MS)
        await self._set_state(FLOOR_KEY, f"{floor},{at},{full}")
        return floor

    async def release_texts(self, worker: str, text_ids: Sequence[int]) -> None:
        if not text_ids:
            return
        marks = ",".join("?" * len(text_ids))
        await self._exec(
            "UPDATE text_outbox SET claimed_by = NULL, lease_until = NULL"
            f" WHERE claimed_by = ? AND id IN ({marks})",
            [worker, *text_ids],
        )

    async def text_attempted(
        self,
        text_id: int,
        error: str,
        retry_at: datetime | None,
        *,
        counts: bool = True,
        worker: str | None = None,
    ) -> bool:
        held, mine = _held_by(worker)
        if retry_at is None:
            changes = await self._exec(
                "UPDATE text_outbox SET status = 'failed', attempts = attempts + 1,"
                " last_error = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?" + held,
                (error[:500], text_id, *mine),
            )
        else:
            changes = await self._exec(
                "UPDATE text_outbox SET attempts = attempts + ?, last_error = ?,"
                " not_before = ?, claimed_by = NULL, lease_until = NULL WHERE id = ?" + held,
                (int(counts), error[:500], to_millis(retry_at), text_id, *mine),
            )
        return changes > 0

    async def text_done(
        self,
        text_id: int,
        status: TextStatus,
        at: datetime,
        reason: str | None = None,
        *,
        worker: str | None = None,
    ) -> bool:
        held, mine = _held_by(worker)
        changes = await self._exec(
            "UPDATE text_outbox SET status = ?, sent_at = ?, last_error = ?,"
            " attempts = attempts + ?, claimed_by = NULL, lease_until = NULL WHERE id = ?" + held,
            (
                status.value,
                to_millis(at) if status is TextStatus.SENT else None,
                reason,
                int(status is TextStatus.SENT),
                text_id,
                *mine,
            ),
        )
        return changes > 0

    async def ever_texted(self, recipient: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM text_outbox WHERE recipient = ? AND status IN ('queued', 'sent')"
            " LIMIT 1",
            (recipient,),
        )
        return row is not None

    async def automatic_texts_to(
        self, recipient: str, purposes: Sequence[str], since: datetime
    ) -> int:
        marks = ",".join("?" * len(purposes)) or "NULL"
        row = await self._one(
            "SELECT count(*) FROM text_outbox WHERE recipient = ? AND created_at >= ?"
            f" AND purpose IN ({marks}) AND status IN ('queued', 'sent')",
            [recipient, to_millis(since), *purposes],
        )
        return int(row[0]) if row else 0


def _held_by(worker: str | None) -> tuple[str, tuple[str, ...]]:
    """The condition that a worker still holds a claimed text (and its parameter): once
    its lease ran out and another took the text over, its late word is not written."""
    if worker is None:
        return "", ()
    # The status is a parameter, not a literal: with "status = 'queued'" spelled out,
    # PostgreSQL's generic plan may read the row through a partial index of queued
    # texts instead of the primary key -- every dead entry of it, while another
    # transaction keeps them from being cleaned (18 ms a text, measured).
    return " AND claimed_by = ? AND status = ?", (worker, TextStatus.QUEUED.value)
