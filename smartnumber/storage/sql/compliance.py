"""Compliance in SQLite: the consent ledger, SHAKEN/STIR and CNAM, revocation phrases
and held texts, line types, 10DLC and toll-free registration."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from ...model import (
    CallerIdentity,
    Campaign,
    ConsentEvent,
    LineType,
    Registration,
    TextHold,
)
from .statements import Statements, from_millis, to_millis


class ComplianceRows(Statements):
    """What texting and calling compliance keeps per number."""

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

    async def stranger_opt_outs(
        self, start: datetime, end: datetime, limit: int
    ) -> list[ConsentEvent]:
        rows = await self._all(
            "SELECT e164, event, at, method, evidence FROM consent_ledger l"
            " WHERE event = 'opt-out' AND at >= ? AND at < ? AND NOT EXISTS"
            " (SELECT 1 FROM contact_phones p WHERE p.e164 = l.e164) ORDER BY at, id LIMIT ?",
            (to_millis(start), to_millis(end), limit),
        )
        return [ConsentEvent(r[0], r[1], from_millis(r[2]), r[3], r[4]) for r in rows]

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
        changes = await self._exec(
            "INSERT INTO optout_phrases (phrase, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (phrase, to_millis(at)),
        )
        return changes > 0

    async def optout_phrases(self) -> list[str]:
        return [r[0] for r in await self._all("SELECT phrase FROM optout_phrases ORDER BY phrase")]

    async def remove_optout_phrase(self, phrase: str) -> bool:
        changes = await self._exec("DELETE FROM optout_phrases WHERE phrase = ?", (phrase,))
        return changes > 0

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
