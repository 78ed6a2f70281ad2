"""SMS carriers in SQLite: who carries each Smart Number's texts, and what they said of
the texts they took (message ids, receipts, error codes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ...model import Carrier, QueuedText
from ..repository import NewCarrier
from .rows import CARRIER_COLUMNS, TEXT_COLUMNS, as_carrier, as_queued_text
from .statements import Statements, from_millis, to_millis


class CarrierRows(Statements):
    """SMS carriers and which Smart Number uses which."""

    async def add_carrier(self, carrier: NewCarrier) -> Carrier:
        carrier_id = await self._insert(
            "INSERT INTO carriers (name, kind, created_at, api_url, api_key, public_key,"
            " account_sid, auth_token, media_hosts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                carrier.name,
                carrier.kind.value,
                to_millis(carrier.created_at),
                carrier.api_url,
                carrier.api_key,
                carrier.public_key,
                carrier.account_sid,
                carrier.auth_token,
                ",".join(carrier.media_hosts),
            ),
            f"carrier {carrier.name!r}",
        )
        return Carrier(
            id=carrier_id,
            name=carrier.name,
            kind=carrier.kind,
            created_at=from_millis(to_millis(carrier.created_at)),
            api_url=carrier.api_url,
            api_key=carrier.api_key,
            public_key=carrier.public_key,
            account_sid=carrier.account_sid,
            auth_token=carrier.auth_token,
            media_hosts=carrier.media_hosts,
        )

    async def carrier_by_name(self, name: str) -> Carrier | None:
        row = await self._one(f"SELECT {CARRIER_COLUMNS} FROM carriers WHERE name = ?", (name,))
        return as_carrier(row) if row else None

    async def carrier_by_id(self, carrier_id: int) -> Carrier | None:
        row = await self._one(f"SELECT {CARRIER_COLUMNS} FROM carriers WHERE id = ?", (carrier_id,))
        return as_carrier(row) if row else None

    async def carriers(self) -> list[Carrier]:
        rows = await self._all(f"SELECT {CARRIER_COLUMNS} FROM carriers ORDER BY name")
        return [as_carrier(r) for r in rows]

    async def set_carrier_media_hosts(self, carrier_id: int, hosts: Sequence[str]) -> None:
        await self._exec(
            "UPDATE carriers SET media_hosts = ? WHERE id = ?", (",".join(hosts), carrier_id)
        )

    async def set_number_carrier(self, number_id: int, carrier_id: int | None) -> None:
        await self._exec(
            "UPDATE smart_numbers SET sms_carrier_id = ? WHERE id = ?", (carrier_id, number_id)
        )

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
        changes = await self._exec(
            "INSERT INTO carrier_receipts (carrier_id, message_id, status, code, received_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (carrier_id, message_id, status, code, to_millis(at)),
        )
        return changes > 0

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
