"""Texting in SQLite: opt-outs, codes, line types, registration, suspensions, email,
the text inbox and outbox."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from ...model import (
    CallerIdentity,
    Campaign,
    ConsentEvent,
    Detail,
    Email,
    InboundText,
    LineType,
    QueuedText,
    Registration,
    Suspension,
    TextCode,
    TextHold,
    TextStatus,
)
from ..repository import (
    NewInboundText,
    NewText,
    ReceivedText,
    SentText,
)
from .base import (
    Statements,
    from_millis,
    to_millis,
)
from .rows import (
    CODE_COLUMNS,
    INBOX_COLUMNS,
    TEXT_COLUMNS,
    as_inbound_text,
    as_queued_text,
    as_text_code,
)


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

    async def set_opted_out(self, e164: str, out: bool, at: datetime) -> None:
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
            "INSERT INTO consent_ledger (e164, event, at) VALUES (?, ?, ?)",
            (e164, "opt-out" if out else "opt-in", to_millis(at)),
        )

    async def add_text_code(self, code: TextCode) -> None:
        await self._insert(
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
        cursor = await self._exec("DELETE FROM text_codes WHERE code = ?", (code,))
        removed = cursor.rowcount > 0
        await cursor.close()
        return removed

    # -- the consent ledger --------------------------------------------------

    async def add_consent_event(self, event: ConsentEvent) -> None:
        await self._exec(
            "INSERT INTO consent_ledger (e164, event, method, evidence, at) VALUES (?, ?, ?, ?, ?)",
            (event.e164, event.event, event.method, event.evidence, to_millis(event.at)),
        )

    async def consent_events(self, e164: str) -> list[ConsentEvent]:
        rows = await self._all(
            "SELECT e164, event, at, method, evidence FROM consent_ledger WHERE e164 = ?"
            " ORDER BY id",
            (e164,),
        )
        return [ConsentEvent(r[0], r[1], from_millis(r[2]), r[3], r[4]) for r in rows]

    async def consented(self, e164: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM consent_ledger WHERE e164 = ? AND event = 'consent' LIMIT 1", (e164,)
        )
        return row is not None

    async def consented_among(self, numbers: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for at in range(0, len(numbers), 500):
            chunk = list(numbers[at : at + 500])
            marks = ",".join("?" * len(chunk))
            rows = await self._all(
                f"SELECT DISTINCT e164 FROM consent_ledger WHERE event = 'consent'"
                f" AND e164 IN ({marks})",
                chunk,
            )
            found |= {r[0] for r in rows}
        return found

    # -- SHAKEN/STIR and CNAM ------------------------------------------------

    async def caller_identity(self, number_id: int) -> CallerIdentity:
        row = await self._one(
            "SELECT shaken_status, shaken_attestation, cnam_name, cnam_status"
            " FROM number_identity WHERE number_id = ?",
            (number_id,),
        )
        return CallerIdentity(*row) if row else CallerIdentity()

    async def set_shaken(self, number_id: int, status: str, attestation: str | None) -> None:
        await self._exec(
            "INSERT INTO number_identity (number_id, shaken_status, shaken_attestation)"
            " VALUES (?, ?, ?) ON CONFLICT (number_id) DO UPDATE SET"
            " shaken_status = excluded.shaken_status,"
            " shaken_attestation = excluded.shaken_attestation",
            (number_id, status, attestation),
        )

    async def set_cnam(self, number_id: int, name: str, status: str) -> None:
        await self._exec(
            "INSERT INTO number_identity (number_id, cnam_name, cnam_status) VALUES (?, ?, ?)"
            " ON CONFLICT (number_id) DO UPDATE SET cnam_name = excluded.cnam_name,"
            " cnam_status = excluded.cnam_status",
            (number_id, name, status),
        )

    # -- revocation ----------------------------------------------------------

    async def add_optout_phrase(self, phrase: str, at: datetime) -> bool:
        cursor = await self._exec(
            "INSERT INTO optout_phrases (phrase, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (phrase, to_millis(at)),
        )
        added = cursor.rowcount > 0
        await cursor.close()
        return added

    async def optout_phrases(self) -> list[str]:
        return [r[0] for r in await self._all("SELECT phrase FROM optout_phrases ORDER BY phrase")]

    async def remove_optout_phrase(self, phrase: str) -> bool:
        cursor = await self._exec("DELETE FROM optout_phrases WHERE phrase = ?", (phrase,))
        removed = cursor.rowcount > 0
        await cursor.close()
        return removed

    async def hold_texts_to(self, e164: str, body: str, rule: str, at: datetime) -> None:
        await self._exec(
            "INSERT INTO text_holds (e164, body, rule, at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (e164) DO UPDATE SET body = excluded.body, rule = excluded.rule,"
            " at = excluded.at",
            (e164, body, rule, to_millis(at)),
        )

    async def text_hold(self, e164: str) -> TextHold | None:
        row = await self._one("SELECT e164, body, rule, at FROM text_holds WHERE e164 = ?", (e164,))
        return TextHold(row[0], row[1], row[2], from_millis(row[3])) if row else None

    async def release_text_hold(self, e164: str) -> None:
        await self._exec("DELETE FROM text_holds WHERE e164 = ?", (e164,))

    # -- line types and registration -----------------------------------------

    async def set_line_type(self, prefix: str, line_type: LineType) -> None:
        await self._exec(
            "INSERT INTO line_types (prefix, line_type) VALUES (?, ?)"
            " ON CONFLICT (prefix) DO UPDATE SET line_type = excluded.line_type",
            (prefix, line_type.value),
        )
        await self._exec(
            "UPDATE contact_phones SET line_type = ? WHERE e164 = ?", (line_type.value, prefix)
        )

    async def line_type(self, e164: str) -> LineType:
        row = await self._one(
            "SELECT line_type FROM contact_phones WHERE e164 = ? AND line_type != 'unknown'"
            " UNION ALL SELECT line_type FROM line_types WHERE prefix = ?"
            " UNION ALL SELECT line_type FROM line_types WHERE prefix = ? LIMIT 1",
            (e164, e164, e164[:8]),
        )
        return LineType(row[0]) if row else LineType.UNKNOWN

    async def add_brand(self, name: str, ein: str | None, at: datetime) -> int:
        return await self._insert(
            "INSERT INTO brands (name, ein, created_at) VALUES (?, ?, ?)",
            (name, ein, to_millis(at)),
            f"brand {name!r}",
        )

    async def brand_id(self, name: str) -> int | None:
        row = await self._one("SELECT id FROM brands WHERE name = ?", (name,))
        return int(row[0]) if row else None

    async def add_campaign(
        self, brand_id: int, use_case: str, samples: Sequence[str], at: datetime
    ) -> int:
        return await self._insert(
            "INSERT INTO campaigns (brand_id, use_case, samples, created_at) VALUES (?, ?, ?, ?)",
            (brand_id, use_case, json.dumps(list(samples)), to_millis(at)),
            "campaign",
        )

    async def campaign(self, campaign_id: int) -> Campaign | None:
        row = await self._one(
            "SELECT c.id, b.name, c.use_case, c.samples, c.status FROM campaigns c"
            " JOIN brands b ON b.id = c.brand_id WHERE c.id = ?",
            (campaign_id,),
        )
        return Campaign(row[0], row[1], row[2], tuple(json.loads(row[3])), row[4]) if row else None

    async def set_campaign_status(self, campaign_id: int, status: str) -> None:
        await self._exec("UPDATE campaigns SET status = ? WHERE id = ?", (status, campaign_id))

    async def registration(self, number_id: int) -> Registration:
        row = await self._one(
            "SELECT campaign_id, tollfree_status FROM number_registrations WHERE number_id = ?",
            (number_id,),
        )
        if row is None:
            return Registration(None, None)
        campaign = await self.campaign(row[0]) if row[0] is not None else None
        return Registration(campaign, row[1])

    async def link_campaign(self, number_id: int, campaign_id: int) -> None:
        await self._exec(
            "INSERT INTO number_registrations (number_id, campaign_id) VALUES (?, ?)"
            " ON CONFLICT (number_id) DO UPDATE SET campaign_id = excluded.campaign_id",
            (number_id, campaign_id),
        )

    async def set_tollfree_status(self, number_id: int, status: str) -> None:
        await self._exec(
            "INSERT INTO number_registrations (number_id, tollfree_status) VALUES (?, ?)"
            " ON CONFLICT (number_id) DO UPDATE SET tollfree_status = excluded.tollfree_status",
            (number_id, status),
        )

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

    async def email_sent(self, email_id: int, at: datetime) -> None:
        await self._exec(
            "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL"
            " WHERE id = ?",
            (to_millis(at), email_id),
        )

    async def email_failed(self, email_id: int, error: str) -> None:
        await self._exec(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error[:500], email_id),
        )

    # -- the text inbox -----------------------------------------------------

    async def keep_inbound_text(self, text: NewInboundText) -> int | None:
        cursor = await self._exec(
            "INSERT INTO text_inbox (message_key, smart_number, sender, from_header, body,"
            " content_length, via, received_at, carrier_id, media)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_key) DO NOTHING",
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
        inserted, rowid = cursor.rowcount, cursor.lastrowid
        await cursor.close()
        return rowid if inserted and rowid is not None else None

    async def inbound_text(self, text_id: int) -> InboundText | None:
        row = await self._one(f"SELECT {INBOX_COLUMNS} FROM text_inbox WHERE id = ?", (text_id,))
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

    async def text_attempted(
        self, text_id: int, error: str, retry_at: datetime | None, *, counts: bool = True
    ) -> None:
        if retry_at is None:
            await self._exec(
                "UPDATE text_outbox SET status = 'failed', attempts = attempts + 1,"
                " last_error = ? WHERE id = ?",
                (error[:500], text_id),
            )
            return
        await self._exec(
            "UPDATE text_outbox SET attempts = attempts + ?, last_error = ?, not_before = ?"
            " WHERE id = ?",
            (int(counts), error[:500], to_millis(retry_at), text_id),
        )

    async def text_done(
        self, text_id: int, status: TextStatus, at: datetime, reason: str | None = None
    ) -> None:
        await self._exec(
            "UPDATE text_outbox SET status = ?, sent_at = ?, last_error = ?,"
            " attempts = attempts + ? WHERE id = ?",
            (
                status.value,
                to_millis(at) if status is TextStatus.SENT else None,
                reason,
                int(status is TextStatus.SENT),
                text_id,
            ),
        )

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

    # -- texts through HTTP carriers -------------------------------------------

    async def text_handed(self, text_id: int, carrier_id: int, message_id: str) -> None:
        await self._exec(
            "UPDATE text_outbox SET carrier_id = ?, carrier_message_id = ?,"
            " delivery = coalesce(delivery, 'sent') WHERE id = ?",
            (carrier_id, message_id, text_id),
        )

    async def text_by_carrier_message(self, carrier_id: int, message_id: str) -> QueuedText | None:
        row = await self._one(
            f"SELECT {TEXT_COLUMNS} FROM text_outbox"
            " WHERE carrier_id = ? AND carrier_message_id = ?",
            (carrier_id, message_id),
        )
        return as_queued_text(row) if row else None

    async def set_text_delivery(
        self, text_id: int, delivery: str, code: str | None, meaning: str | None
    ) -> None:
        await self._exec(
            "UPDATE text_outbox SET delivery = ?, carrier_code = coalesce(?, carrier_code),"
            " carrier_meaning = coalesce(?, carrier_meaning) WHERE id = ?",
            (delivery, code, meaning, text_id),
        )

    async def add_carrier_receipt(
        self, carrier_id: int, message_id: str, status: str, code: str, at: datetime
    ) -> bool:
        cursor = await self._exec(
            "INSERT INTO carrier_receipts (carrier_id, message_id, status, code, received_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (carrier_id, message_id, status, code, to_millis(at)),
        )
        inserted = cursor.rowcount > 0
        await cursor.close()
        return inserted

    async def carrier_receipts(self, carrier_id: int, message_id: str) -> list[tuple[str, str]]:
        rows = await self._all(
            "SELECT status, code FROM carrier_receipts WHERE carrier_id = ? AND message_id = ?"
            " ORDER BY id",
            (carrier_id, message_id),
        )
        return [(r[0], r[1]) for r in rows]

    async def carrier_flagged_texts(
        self, agent_id: int, meaning: str, since: datetime
    ) -> list[tuple[datetime, str]]:
        rows = await self._all(
            "SELECT o.created_at, o.recipient FROM text_outbox o"
            " JOIN activities a ON a.id = o.activity_id"
            " WHERE o.carrier_meaning = ? AND o.created_at >= ? AND a.agent_id = ?"
            " ORDER BY o.created_at",
            (meaning, to_millis(since), agent_id),
        )
        return [(from_millis(r[0]), r[1]) for r in rows]
