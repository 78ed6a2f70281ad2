"""SMS carriers in SQLite: who carries each Smart Number's texts."""

from __future__ import annotations

from ...model import Carrier
from ..repository import NewCarrier
from .base import Statements, from_millis, to_millis
from .rows import CARRIER_COLUMNS, as_carrier


class CarrierRows(Statements):
    """SMS carriers and which Smart Number uses which."""

    async def add_carrier(self, carrier: NewCarrier) -> Carrier:
        carrier_id = await self._insert(
            "INSERT INTO carriers (name, kind, created_at, api_url, api_key, public_key,"
            " account_sid, auth_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                carrier.name,
                carrier.kind.value,
                to_millis(carrier.created_at),
                carrier.api_url,
                carrier.api_key,
                carrier.public_key,
                carrier.account_sid,
                carrier.auth_token,
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

    async def set_number_carrier(self, number_id: int, carrier_id: int | None) -> None:
        await self._exec(
            "UPDATE smart_numbers SET sms_carrier_id = ? WHERE id = ?", (carrier_id, number_id)
        )
