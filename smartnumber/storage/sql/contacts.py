"""Contacts, their timelines and agents' caller IDs in SQLite."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ...errors import Conflict
from ...model import (
    Activity,
    ActivityKind,
    CallerId,
    Contact,
    ContactPhone,
)
from ..repository import (
    LatestActivity,
    NewActivity,
    NewContact,
)
from .rows import (
    ACTIVITY_COLUMNS,
    CONTACT_COLUMNS,
    PHONE_COLUMNS,
    as_activity,
    as_contacts,
)
from .statements import (
    Row,
    Statements,
    from_millis,
    to_millis,
)


class ContactRows(Statements):
    """Contacts and their phones, the timeline, agents' verified caller IDs."""

    # -- contacts ------------------------------------------------------------

    async def add_contact(self, contact: NewContact) -> Contact:
        contact_id = await self._insert(
            "INSERT INTO contacts (name, owner_agent_id, owner_team_id, owner_office_id, source,"
            " created_at, external_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                contact.name,
                contact.owner_agent_id,
                contact.owner_team_id,
                contact.owner_office_id,
                contact.source,
                to_millis(contact.created_at),
                contact.external_id,
            ),
            f"contact {contact.name!r}",
        )
        try:
            await self._exec_many(
                "INSERT INTO contact_phones (contact_id, e164, subscription, line_type)"
                " VALUES (?, ?, ?, ?)",
                [
                    (contact_id, p.e164, p.subscription.value, p.line_type.value)
                    for p in contact.phones
                ],
            )
        except Conflict:
            raise Conflict(f"contact {contact.name!r} lists the same number twice") from None
        return Contact(
            id=contact_id,
            name=contact.name,
            phones=contact.phones,
            owner_agent_id=contact.owner_agent_id,
            owner_team_id=contact.owner_team_id,
            owner_office_id=contact.owner_office_id,
            source=contact.source,
            created_at=from_millis(to_millis(contact.created_at)),
            external_id=contact.external_id,
        )

    async def contact_by_id(self, contact_id: int) -> Contact | None:
        rows, phones = await self._each(  # both keyed by the id: one trip
            (f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id = ?", (contact_id,)),
            (
                f"SELECT {PHONE_COLUMNS} FROM contact_phones WHERE contact_id = ? ORDER BY rowid",
                (contact_id,),
            ),
        )
        contacts = as_contacts(rows, phones)
        return contacts[0] if contacts else None

    async def contacts_by_phone(self, e164: str) -> list[Contact]:
        rows = await self._all(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id IN"
            " (SELECT contact_id FROM contact_phones WHERE e164 = ?) ORDER BY id",
            (e164,),
        )
        return await self._with_phones(rows)

    async def contacts_by_ids(self, contact_ids: Sequence[int]) -> list[Contact]:
        if not contact_ids:
            return []
        marks = ",".join("?" * len(contact_ids))
        rows = await self._all(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id IN ({marks}) ORDER BY id",
            list(contact_ids),
        )
        return await self._with_phones(rows)

    async def list_contacts(
        self, limit: int, offset: int = 0, *, after_id: int = 0
    ) -> list[Contact]:
        rows = await self._all(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id > ? ORDER BY id LIMIT ? OFFSET ?",
            (after_id, limit, offset),
        )
        return await self._with_phones(rows)

    async def contact_by_external_id(self, external_id: str) -> Contact | None:
        rows = await self._all(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE external_id = ?", (external_id,)
        )
        return next(iter(await self._with_phones(rows)), None)

    async def agent_contacts(self, agent_id: int, limit: int, after_id: int = 0) -> list[Contact]:
        rows = await self._all(
            f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE id > ? AND id IN"
            " (SELECT id FROM contacts WHERE owner_agent_id = ?"
            "  UNION SELECT id FROM contacts WHERE assigned_agent_id = ?)"
            " ORDER BY id LIMIT ?",
            (after_id, agent_id, agent_id, limit),
        )
        return await self._with_phones(rows)

    async def update_contact(self, contact_id: int, *, name: str, external_id: str | None) -> None:
        await self._exec(
            "UPDATE contacts SET name = ?, external_id = ? WHERE id = ?",
            (name, external_id, contact_id),
        )

    async def add_contact_phones(self, contact_id: int, phones: Sequence[ContactPhone]) -> None:
        await self._exec_many(
            "INSERT INTO contact_phones (contact_id, e164, subscription, line_type)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (contact_id, e164) DO NOTHING",
            [(contact_id, p.e164, p.subscription.value, p.line_type.value) for p in phones],
        )

    async def set_contact_ownership(
        self,
        contact_id: int,
        *,
        owner_agent_id: int | None,
        owner_team_id: int | None,
        owner_office_id: int | None,
        assigned_agent_id: int | None,
    ) -> None:
        await self._exec(
            "UPDATE contacts SET owner_agent_id = ?, owner_team_id = ?, owner_office_id = ?,"
            " assigned_agent_id = ? WHERE id = ?",
            (owner_agent_id, owner_team_id, owner_office_id, assigned_agent_id, contact_id),
        )

    async def _with_phones(self, rows: Sequence[Row]) -> list[Contact]:
        if not rows:
            return []
        ids = [r[0] for r in rows]
        marks = ",".join("?" * len(ids))
        phones = await self._all(
            f"SELECT {PHONE_COLUMNS} FROM contact_phones WHERE contact_id IN ({marks})"
            " ORDER BY rowid",
            ids,
        )
        return as_contacts(rows, phones)

    # -- the timeline --------------------------------------------------------

    async def add_activity(self, activity: NewActivity) -> Activity | None:
        row = await self._one(
            "INSERT INTO activities (contact_id, agent_id, kind, direction, at, smart_number_id,"
            " detail, external_id, call_key, peer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (external_id) DO NOTHING RETURNING id",
            (
                activity.contact_id,
                activity.agent_id,
                activity.kind.value,
                activity.direction.value,
                to_millis(activity.at),
                activity.smart_number_id,
                json.dumps(activity.detail, sort_keys=True),
                activity.external_id,
                activity.call_key,
                activity.peer,
            ),
        )
        if row is None:
            return None
        return Activity(
            row[0],
            activity.contact_id,
            activity.agent_id,
            activity.kind,
            activity.direction,
            from_millis(to_millis(activity.at)),
            activity.smart_number_id,
            activity.detail,
            activity.external_id,
            activity.call_key,
        )

    async def timeline(
        self, contact_ids: Sequence[int], limit: int, before_id: int | None = None
    ) -> list[Activity]:
        if not contact_ids:
            return []
        marks = ",".join("?" * len(contact_ids))
        page, params = "", [*contact_ids]
        if before_id is not None:
            page = " AND (at, id) < (SELECT at, id FROM activities WHERE id = ?)"
            params.append(before_id)
        rows = await self._all(
            f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE contact_id IN ({marks}){page}"
            " ORDER BY at DESC, id DESC LIMIT ?",
            [*params, limit],
        )
        return [as_activity(r) for r in rows]

    async def activity_by_external_id(self, external_id: str) -> Activity | None:
        row = await self._one(
            f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE external_id = ?", (external_id,)
        )
        return as_activity(row) if row else None

    async def activity_by_id(self, activity_id: int) -> Activity | None:
        row = await self._one(
            f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = ?", (activity_id,)
        )
        return as_activity(row) if row else None

    async def activity_to_change(self, activity_id: int) -> Activity | None:
        row = await self._one(
            f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE id = ?" + self._db.for_update(),
            (activity_id,),
        )
        return as_activity(row) if row else None

    async def texting_activities(
        self, start: datetime, end: datetime, after_id: int, limit: int
    ) -> list[Activity]:
        begin = to_millis(start)
        rows = await self._all(
            f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE kind IN ('text', 'note')"
            # `at >= ?` first: the index range starts there (an OR alone would not).
            " AND at >= ? AND (at > ? OR id > ?) AND at < ? ORDER BY at, id LIMIT ?",
            (begin, begin, after_id, to_millis(end), limit),
        )
        return [as_activity(r) for r in rows]

    async def activity_by_call_key(self, call_key: str) -> Activity | None:
        row = await self._one(
            f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE call_key = ?", (call_key,)
        )
        return as_activity(row) if row else None

    async def call_to_change(self, call_key: str) -> Activity | None:
        row = await self._one(
            f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE call_key = ?" + self._db.for_update(),
            (call_key,),
        )
        return as_activity(row) if row else None

    async def update_activity(
        self, activity_id: int, agent_id: int | None, detail: dict[str, Any]
    ) -> None:
        await self._exec(
            "UPDATE activities SET agent_id = ?, detail = ? WHERE id = ?",
            (agent_id, json.dumps(detail, sort_keys=True), activity_id),
        )

    # Both queries must match the WHERE of their partial index word for word, or SQLite
    # will not use it (see 0001_initial.sql).
    async def latest_conversation(
        self, contact_ids: Sequence[int], since: datetime
    ) -> LatestActivity | None:
        return await self._latest(
            "kind IN ('call', 'text') AND agent_id IS NOT NULL AND at >= ?",
            contact_ids,
            [to_millis(since)],
        )

    async def latest_outbound(self, contact_ids: Sequence[int]) -> LatestActivity | None:
        return await self._latest(
            "direction = 'outbound' AND agent_id IS NOT NULL", contact_ids, []
        )

    async def _latest(
        self, condition: str, contact_ids: Sequence[int], params: list[Any]
    ) -> LatestActivity | None:
        if not contact_ids:
            return None
        marks = ",".join("?" * len(contact_ids))
        row = await self._one(
            f"SELECT id, contact_id, agent_id, kind, at FROM activities"
            f" WHERE contact_id IN ({marks}) AND {condition}"
            " ORDER BY at DESC, id DESC LIMIT 1",
            [*contact_ids, *params],
        )
        if row is None:
            return None
        return LatestActivity(row[0], row[1], row[2], ActivityKind(row[3]), from_millis(row[4]))

    # -- caller IDs ----------------------------------------------------------

    async def caller_id_attempted(self, agent_id: int, e164: str) -> None:
        await self._exec(
            "INSERT INTO caller_ids (agent_id, e164, attempts) VALUES (?, ?, 1)"
            " ON CONFLICT (agent_id, e164) DO UPDATE SET attempts = caller_ids.attempts + 1",
            (agent_id, e164),
        )

    async def caller_id_verified(self, agent_id: int, e164: str, at: datetime) -> None:
        await self._exec(
            "UPDATE caller_ids SET verified_at = ? WHERE agent_id = ? AND e164 = ?",
            (to_millis(at), agent_id, e164),
        )

    async def caller_ids(self, agent_id: int) -> list[CallerId]:
        rows = await self._all(
            "SELECT agent_id, e164, attempts, verified_at, in_use FROM caller_ids"
            " WHERE agent_id = ? ORDER BY e164",
            (agent_id,),
        )
        return [
            CallerId(r[0], r[1], r[2], from_millis(r[3]) if r[3] is not None else None, bool(r[4]))
            for r in rows
        ]

    async def use_caller_id(self, agent_id: int, e164: str | None) -> None:
        await self._exec(
            "UPDATE caller_ids SET in_use = 0 WHERE agent_id = ? AND in_use = 1", (agent_id,)
        )
        if e164 is not None:
            await self._exec(
                "UPDATE caller_ids SET in_use = 1 WHERE agent_id = ? AND e164 = ?",
                (agent_id, e164),
            )
