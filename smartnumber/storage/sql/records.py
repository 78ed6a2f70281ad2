"""Recordings, the service's bookkeeping and installation settings in SQLite."""

from __future__ import annotations

from collections.abc import Sequence

from ...model import (
    Recording,
)
from .rows import (
    RECORDING_COLUMNS,
    as_recording,
)
from .statements import (
    Statements,
    to_millis,
)


class RecordRows(Statements):
    """Recordings and voicemail, the service's state, settings."""

    # -- recordings ----------------------------------------------------------

    async def add_recording(self, recording: Recording) -> None:
        await self._add(
            "INSERT INTO recordings (id, kind, contact_id, call_id, smart_number_id, path,"
            " seconds, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                recording.id,
                recording.kind.value,
                recording.contact_id,
                recording.call_id,
                recording.smart_number_id,
                recording.path,
                recording.seconds,
                to_millis(recording.created_at),
            ),
            f"recording {recording.id}",
        )

    async def recording_by_id(self, recording_id: str) -> Recording | None:
        row = await self._one(
            f"SELECT {RECORDING_COLUMNS} FROM recordings WHERE id = ?", (recording_id,)
        )
        return as_recording(row) if row else None

    async def recordings(self, contact_ids: Sequence[int] | None, limit: int) -> list[Recording]:
        if contact_ids is None:
            where, params = "", []
        elif not contact_ids:
            return []
        else:
            where = f" WHERE contact_id IN ({','.join('?' * len(contact_ids))})"
            params = list(contact_ids)
        rows = await self._all(
            f"SELECT {RECORDING_COLUMNS} FROM recordings{where}"
            " ORDER BY created_at DESC, id LIMIT ?",
            [*params, limit],
        )
        return [as_recording(r) for r in rows]

    async def recording_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = await self._all(f"SELECT id FROM recordings WHERE id IN ({marks})", list(ids))
        return {r[0] for r in rows}

    # -- the service's bookkeeping ---------------------------------------------

    async def state(self, key: str) -> str | None:
        return await self._state(key)

    async def set_state(self, key: str, value: str) -> None:
        await self._set_state(key, value)

    # -- settings ------------------------------------------------------------

    async def settings(self) -> dict[str, str]:
        return {r[0]: r[1] for r in await self._all("SELECT key, value FROM system_settings")}

    async def set_setting(self, key: str, value: str) -> None:
        await self._exec(
            "INSERT INTO system_settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
