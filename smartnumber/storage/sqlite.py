"""SQLite implementation of the storage interface (aiosqlite, WAL, foreign keys on)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from ..errors import Conflict, StorageBusy, StorageError
from ..model import (
    Activity,
    ActivityKind,
    Agent,
    ApiToken,
    CallerId,
    Campaign,
    Contact,
    ContactPhone,
    DeliveryStatus,
    Detail,
    Direction,
    Email,
    InboundText,
    LineType,
    NumberRouting,
    Office,
    QueuedText,
    Recording,
    RecordingKind,
    Registration,
    Role,
    RoutingMode,
    Scope,
    SmartNumber,
    Subscription,
    Suspension,
    Team,
    TextCode,
    TextStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
    ordering_key,
)
from .migrations import apply_migrations
from .repository import (
    LatestActivity,
    NewActivity,
    NewAgent,
    NewApiToken,
    NewContact,
    NewInboundText,
    NewSmartNumber,
    NewText,
    NewWebhook,
    NewWebhookEvent,
    ReceivedText,
    SentText,
)

_AGENT_COLUMNS = (
    "id, name, cell, endpoint, office_id, team_id, active, admin, email, sip_contact, sip_secret"
)
_NUMBER_COLUMNS = (
    "id, e164, scope, office_id, team_id, agent_id, is_primary, fallback_agent_id, settings"
)
_CONTACT_COLUMNS = (
    "id, name, owner_agent_id, owner_team_id, owner_office_id, source, created_at,"
    " assigned_agent_id, external_id"
)
_API_TOKEN_FIELDS = "id, name, role, agent_id, created_at, revoked_at, last_used_at"  # noqa: S105 (column names)
_WEBHOOK_COLUMNS = "id, url, events, secret, created_at, agent_id, active, disabled_reason"
_EVENT_COLUMNS = "id, event_id, type, at, payload, contact_id, agent_id"
_DELIVERY_COLUMNS = (
    "d.id, d.webhook_id, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error,"
    " d.delivered_at, e.id, e.event_id, e.type, e.at, e.payload, e.contact_id, e.agent_id"
)
_ACTIVITY_COLUMNS = (
    "id, contact_id, agent_id, kind, direction, at, smart_number_id, detail, external_id, call_key"
)


def _translated(exc: sqlite3.Error, doing: str) -> Exception:
    """sqlite3's error as the repository's own."""
    if isinstance(exc, sqlite3.IntegrityError):
        return Conflict(f"that breaks a rule of the data model ({exc})")
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return StorageBusy(f"{doing}: it is locked by another process")
    return StorageError(f"{doing}: {exc}")


def _private(path: Path) -> None:
    """Create the database file 0600 if it is new; take group and other rights away from
    it and its WAL/SHM files if it is not (best effort on files someone else owns)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)


def to_millis(moment: datetime) -> int:
    """A timezone-aware datetime as integer milliseconds since the epoch."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to storage")
    return int(moment.timestamp() * 1000)


def from_millis(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


class SqliteStore:
    """One aiosqlite connection; transactions are serialised on it."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._db = connection
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> SqliteStore:
        """Open (creating if needed) and migrate the database at path. It holds secrets, so
        it is made readable by its owner only (SQLite gives its -wal and -shm files the
        database's mode), and an existing one left readable by others is tightened."""
        try:
            _private(Path(path))
        except OSError as exc:
            raise StorageError(f"cannot open the database {path}: {exc.strerror}") from None
        try:
            db = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {path}: {exc}") from None
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA busy_timeout = 5000")
            await apply_migrations(db)
        except BaseException as exc:
            await db.close()
            if isinstance(exc, sqlite3.Error):
                raise _translated(exc, f"cannot open the database {path}") from None
            raise
        return cls(db)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteRepository]:
        """One transaction; sqlite3's errors come out as Conflict, StorageBusy (locked for
        longer than busy_timeout) or StorageError: no caller needs to know it is SQLite.
        It takes the write lock at once (BEGIN IMMEDIATE): a writer never finds, halfway
        through, that another got there first."""
        async with self._begun("BEGIN IMMEDIATE") as repo:
            yield repo

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[SqliteRepository]:
        """A consistent read that takes no write lock (BEGIN DEFERRED, query_only): other
        processes' writers (the routing service) never wait for it."""
        async with self._lock:
            await self._db.execute("PRAGMA query_only = ON")
            try:
                async with self._begun("BEGIN DEFERRED", locked=True) as repo:
                    yield repo
            finally:
                with contextlib.suppress(sqlite3.Error):
                    await self._db.execute("PRAGMA query_only = OFF")

    @asynccontextmanager
    async def _begun(self, begin_sql: str, locked: bool = False) -> AsyncIterator[SqliteRepository]:
        async with contextlib.nullcontext() if locked else self._lock:
            begin = asyncio.ensure_future(self._db.execute(begin_sql))
            try:
                await asyncio.shield(begin)
            except asyncio.CancelledError:
                # BEGIN goes on in aiosqlite's thread (it may be waiting for a lock held
                # elsewhere); end the transaction it opens, or the connection stays stuck.
                with contextlib.suppress(Exception):
                    await begin
                    await self._db.execute("ROLLBACK")
                raise
            except sqlite3.Error as exc:
                raise _translated(exc, "the database could not start a transaction") from None
            try:
                yield SqliteRepository(self._db)
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    await self._db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _translated(exc, "the database refused a change") from None
                raise
            try:
                await self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    await self._db.execute("ROLLBACK")
                raise _translated(exc, "the database could not commit") from None

    async def close(self) -> None:
        await self._db.close()


class SqliteRepository:
    """The Repository protocol over an open transaction."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    # -- helpers -------------------------------------------------------------

    # Every statement goes through these, so sqlite3's errors leave as the repository's own
    # (Conflict, StorageBusy, StorageError) at the statement that raised them.

    # execute_fetchall is one trip to aiosqlite's thread; execute + fetch + close is three.
    async def _one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        return next(iter(await self._all(sql, params)), None)

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        try:
            return list(await self._db.execute_fetchall(sql, tuple(params)))
        except sqlite3.Error as exc:
            raise _translated(exc, "the database failed a query") from None

    async def _exec(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        try:
            return await self._db.execute(sql, tuple(params))
        except sqlite3.Error as exc:
            raise _translated(exc, "the database refused a change") from None

    async def _exec_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        try:
            await self._db.executemany(sql, [tuple(r) for r in rows])
        except sqlite3.Error as exc:
            raise _translated(exc, "the database refused a change") from None

    async def _insert(self, sql: str, params: Iterable[Any], what: str) -> int:
        try:
            cursor = await self._db.execute(sql, tuple(params))
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"{what} already exists or breaks a rule ({exc})") from None
        except sqlite3.Error as exc:
            raise _translated(exc, f"the database refused {what}") from None
        rowid = cursor.lastrowid
        await cursor.close()
        assert rowid is not None
        return rowid

    # -- offices and teams ---------------------------------------------------

    async def add_office(self, name: str) -> Office:
        office_id = await self._insert(
            "INSERT INTO offices (name) VALUES (?)", (name,), f"office {name!r}"
        )
        return Office(office_id, name)

    async def office_by_name(self, name: str) -> Office | None:
        row = await self._one("SELECT id, name FROM offices WHERE name = ?", (name,))
        return Office(row[0], row[1]) if row else None

    async def office_by_id(self, office_id: int) -> Office | None:
        row = await self._one("SELECT id, name FROM offices WHERE id = ?", (office_id,))
        return Office(row[0], row[1]) if row else None

    async def list_offices(self) -> list[Office]:
        return [
            Office(r[0], r[1])
            for r in await self._all("SELECT id, name FROM offices ORDER BY name")
        ]

    async def add_team(self, name: str, office_id: int) -> Team:
        team_id = await self._insert(
            "INSERT INTO teams (name, office_id) VALUES (?, ?)", (name, office_id), f"team {name!r}"
        )
        return Team(team_id, name, office_id)

    async def team_by_name(self, name: str) -> Team | None:
        row = await self._one("SELECT id, name, office_id FROM teams WHERE name = ?", (name,))
        return Team(row[0], row[1], row[2]) if row else None

    async def team_by_id(self, team_id: int) -> Team | None:
        row = await self._one("SELECT id, name, office_id FROM teams WHERE id = ?", (team_id,))
        return Team(row[0], row[1], row[2]) if row else None

    async def list_teams(self) -> list[Team]:
        rows = await self._all("SELECT id, name, office_id FROM teams ORDER BY name")
        return [Team(r[0], r[1], r[2]) for r in rows]

    # -- agents --------------------------------------------------------------

    async def add_agent(self, agent: NewAgent) -> Agent:
        agent_id = await self._insert(
            "INSERT INTO agents (name, cell, endpoint, office_id, team_id, admin, email,"
            " sip_contact, sip_secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                agent.name,
                agent.cell,
                agent.endpoint,
                agent.office_id,
                agent.team_id,
                int(agent.admin),
                agent.email,
                agent.sip_contact,
                agent.sip_secret,
            ),
            f"agent {agent.name!r}",
        )
        found = await self.agent_by_id(agent_id)
        assert found is not None
        return found

    async def agent_by_name(self, name: str) -> Agent | None:
        row = await self._one(f"SELECT {_AGENT_COLUMNS} FROM agents WHERE name = ?", (name,))
        return _agent(row) if row else None

    async def agent_by_id(self, agent_id: int) -> Agent | None:
        row = await self._one(f"SELECT {_AGENT_COLUMNS} FROM agents WHERE id = ?", (agent_id,))
        return _agent(row) if row else None

    async def agent_by_endpoint(self, endpoint: str) -> Agent | None:
        row = await self._one(
            f"SELECT {_AGENT_COLUMNS} FROM agents WHERE endpoint = ?", (endpoint,)
        )
        return _agent(row) if row else None

    async def agent_by_cell(self, e164: str) -> Agent | None:
        row = await self._one(
            f"SELECT {_AGENT_COLUMNS} FROM agents WHERE cell = ? ORDER BY id LIMIT 1", (e164,)
        )
        return _agent(row) if row else None

    async def list_agents(self) -> list[Agent]:
        return [
            _agent(r) for r in await self._all(f"SELECT {_AGENT_COLUMNS} FROM agents ORDER BY name")
        ]

    async def agents_by_ids(self, agent_ids: Sequence[int]) -> list[Agent]:
        if not agent_ids:
            return []
        marks = ",".join("?" * len(agent_ids))
        rows = await self._all(
            f"SELECT {_AGENT_COLUMNS} FROM agents WHERE id IN ({marks})", list(agent_ids)
        )
        return [_agent(r) for r in rows]

    async def active_admins(self) -> list[Agent]:
        rows = await self._all(
            f"SELECT {_AGENT_COLUMNS} FROM agents WHERE admin = 1 AND active = 1 ORDER BY id"
        )
        return [_agent(r) for r in rows]

    async def set_agent_active(self, agent_id: int, active: bool) -> None:
        await self._exec("UPDATE agents SET active = ? WHERE id = ?", (int(active), agent_id))

    # -- smart numbers -------------------------------------------------------

    async def add_number(self, number: NewSmartNumber) -> SmartNumber:
        owner = {Scope.OFFICE: "office_id", Scope.TEAM: "team_id", Scope.PERSONAL: "agent_id"}
        column = owner[number.scope]
        number_id = await self._insert(
            f"INSERT INTO smart_numbers (e164, scope, {column}, is_primary, fallback_agent_id,"
            " settings) VALUES (?, ?, ?, ?, ?, ?)",
            (
                number.e164,
                number.scope.value,
                number.owner_id,
                int(number.primary),
                number.fallback_agent_id,
                json.dumps(number.settings, sort_keys=True),
            ),
            f"Smart Number {number.e164}",
        )
        found = await self._one(
            f"SELECT {_NUMBER_COLUMNS} FROM smart_numbers WHERE id = ?", (number_id,)
        )
        assert found is not None
        return _number(found)

    async def number_by_e164(self, e164: str) -> SmartNumber | None:
        row = await self._one(
            f"SELECT {_NUMBER_COLUMNS} FROM smart_numbers WHERE e164 = ?", (e164,)
        )
        return _number(row) if row else None

    async def number_by_id(self, number_id: int) -> SmartNumber | None:
        row = await self._one(
            f"SELECT {_NUMBER_COLUMNS} FROM smart_numbers WHERE id = ?", (number_id,)
        )
        return _number(row) if row else None

    async def list_numbers(self) -> list[SmartNumber]:
        rows = await self._all(f"SELECT {_NUMBER_COLUMNS} FROM smart_numbers ORDER BY e164")
        return [_number(r) for r in rows]

    async def numbers_owned(self, scope: Scope, owner_id: int) -> list[SmartNumber]:
        column = {Scope.OFFICE: "office_id", Scope.TEAM: "team_id", Scope.PERSONAL: "agent_id"}[
            scope
        ]
        rows = await self._all(
            f"SELECT {_NUMBER_COLUMNS} FROM smart_numbers WHERE {column} = ? AND scope = ?"
            " ORDER BY is_primary DESC, id",
            (owner_id, scope.value),
        )
        return [_number(r) for r in rows]

    async def set_primary_number(self, number: SmartNumber) -> None:
        if number.agent_id is None:
            raise Conflict(f"{number.e164} is not a personal number; only those have a primary")
        await self._exec(
            "UPDATE smart_numbers SET is_primary = (id = ?) WHERE agent_id = ?",
            (number.id, number.agent_id),
        )

    async def set_number_settings(self, number_id: int, settings: dict[str, Any]) -> None:
        await self._exec(
            "UPDATE smart_numbers SET settings = ? WHERE id = ?",
            (json.dumps(settings, sort_keys=True), number_id),
        )

    async def number_routing(self, number_id: int) -> NumberRouting | None:
        row = await self._one(
            "SELECT mode, last_agent_id FROM number_routing WHERE number_id = ?", (number_id,)
        )
        if row is None:
            return None
        agents = await self._all(
            "SELECT agent_id FROM number_routing_agents WHERE number_id = ? ORDER BY position",
            (number_id,),
        )
        return NumberRouting(RoutingMode(row[0]), tuple(r[0] for r in agents), row[1])

    async def set_number_routing(
        self, number_id: int, mode: RoutingMode, agent_ids: Sequence[int]
    ) -> None:
        # The round-robin cursor survives a change of the list while its agent stays in it.
        await self._exec(
            "INSERT INTO number_routing (number_id, mode) VALUES (?, ?)"
            " ON CONFLICT (number_id) DO UPDATE SET mode = excluded.mode",
            (number_id, mode.value),
        )
        await self._exec("DELETE FROM number_routing_agents WHERE number_id = ?", (number_id,))
        await self._exec_many(
            "INSERT INTO number_routing_agents (number_id, position, agent_id) VALUES (?, ?, ?)",
            [(number_id, i, agent_id) for i, agent_id in enumerate(agent_ids)],
        )
        marks = ",".join("?" * len(agent_ids)) or "NULL"
        await self._exec(
            "UPDATE number_routing SET last_agent_id = NULL"
            f" WHERE number_id = ? AND last_agent_id NOT IN ({marks})",
            (number_id, *agent_ids),
        )

    async def set_round_robin_cursor(self, number_id: int, agent_id: int) -> None:
        await self._exec(
            "UPDATE number_routing SET last_agent_id = ? WHERE number_id = ?",
            (agent_id, number_id),
        )

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
        rows = await self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE id = ?", (contact_id,)
        )
        contacts = await self._with_phones(rows)
        return contacts[0] if contacts else None

    async def contacts_by_phone(self, e164: str) -> list[Contact]:
        rows = await self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE id IN"
            " (SELECT contact_id FROM contact_phones WHERE e164 = ?) ORDER BY id",
            (e164,),
        )
        return await self._with_phones(rows)

    async def contacts_by_ids(self, contact_ids: Sequence[int]) -> list[Contact]:
        if not contact_ids:
            return []
        marks = ",".join("?" * len(contact_ids))
        rows = await self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE id IN ({marks}) ORDER BY id",
            list(contact_ids),
        )
        return await self._with_phones(rows)

    async def list_contacts(
        self, limit: int, offset: int = 0, *, after_id: int = 0
    ) -> list[Contact]:
        rows = await self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE id > ? ORDER BY id LIMIT ? OFFSET ?",
            (after_id, limit, offset),
        )
        return await self._with_phones(rows)

    async def contact_by_external_id(self, external_id: str) -> Contact | None:
        rows = await self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE external_id = ?", (external_id,)
        )
        return next(iter(await self._with_phones(rows)), None)

    async def agent_contacts(self, agent_id: int, limit: int, after_id: int = 0) -> list[Contact]:
        rows = await self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE id > ? AND id IN"
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

    async def _with_phones(self, rows: Sequence[sqlite3.Row]) -> list[Contact]:
        if not rows:
            return []
        ids = [r[0] for r in rows]
        marks = ",".join("?" * len(ids))
        phones: dict[int, list[ContactPhone]] = {i: [] for i in ids}
        for contact_id, e164, subscription, line_type in await self._all(
            "SELECT contact_id, e164, subscription, line_type FROM contact_phones"
            f" WHERE contact_id IN ({marks}) ORDER BY rowid",
            ids,
        ):
            phones[contact_id].append(
                ContactPhone(e164, Subscription(subscription), LineType(line_type))
            )
        return [
            Contact(
                id=r[0],
                name=r[1],
                phones=tuple(phones[r[0]]),
                owner_agent_id=r[2],
                owner_team_id=r[3],
                owner_office_id=r[4],
                source=r[5],
                created_at=from_millis(r[6]),
                assigned_agent_id=r[7],
                external_id=r[8],
            )
            for r in rows
        ]

    # -- the timeline --------------------------------------------------------

    async def add_activity(self, activity: NewActivity) -> Activity | None:
        cursor = await self._exec(
            "INSERT INTO activities (contact_id, agent_id, kind, direction, at, smart_number_id,"
            " detail, external_id, call_key, peer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (external_id) DO NOTHING",
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
        inserted, rowid = cursor.rowcount, cursor.lastrowid
        await cursor.close()
        if inserted == 0 or rowid is None:
            return None
        return Activity(
            rowid,
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
            f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE contact_id IN ({marks}){page}"
            " ORDER BY at DESC, id DESC LIMIT ?",
            [*params, limit],
        )
        return [_activity(r) for r in rows]

    async def activity_by_external_id(self, external_id: str) -> Activity | None:
        row = await self._one(
            f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE external_id = ?", (external_id,)
        )
        return _activity(row) if row else None

    async def activity_by_id(self, activity_id: int) -> Activity | None:
        row = await self._one(
            f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE id = ?", (activity_id,)
        )
        return _activity(row) if row else None

    async def activity_by_call_key(self, call_key: str) -> Activity | None:
        row = await self._one(
            f"SELECT {_ACTIVITY_COLUMNS} FROM activities WHERE call_key = ?", (call_key,)
        )
        return _activity(row) if row else None

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
            " ON CONFLICT (agent_id, e164) DO UPDATE SET attempts = attempts + 1",
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

    # -- texting -------------------------------------------------------------

    async def opted_out(self, e164: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM text_opt_outs WHERE e164 = ? UNION ALL SELECT 1 FROM contact_phones"
            " WHERE e164 = ? AND subscription = 'unsubscribed' LIMIT 1",
            (e164, e164),
        )
        return row is not None

    async def set_opted_out(self, e164: str, at: datetime | None) -> None:
        if at is None:
            await self._exec("DELETE FROM text_opt_outs WHERE e164 = ?", (e164,))
        else:
            await self._exec(
                "INSERT INTO text_opt_outs (e164, at) VALUES (?, ?) ON CONFLICT (e164) DO NOTHING",
                (e164, to_millis(at)),
            )
        await self._exec(
            "UPDATE contact_phones SET subscription = ? WHERE e164 = ?",
            ("subscribed" if at is None else "unsubscribed", e164),
        )

    async def add_text_code(self, code: TextCode) -> None:
        await self._insert(
            "INSERT INTO text_codes (code, reply, agent_id, number_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (code.code, code.reply, code.agent_id, code.number_id, to_millis(code.created_at)),
            f"text code {code.code!r}",
        )

    async def text_code(self, code: str) -> TextCode | None:
        row = await self._one(f"SELECT {_CODE_COLUMNS} FROM text_codes WHERE code = ?", (code,))
        return _text_code(row) if row else None

    async def text_codes(self) -> list[TextCode]:
        return [
            _text_code(r)
            for r in await self._all(f"SELECT {_CODE_COLUMNS} FROM text_codes ORDER BY code")
        ]

    async def remove_text_code(self, code: str) -> bool:
        cursor = await self._exec("DELETE FROM text_codes WHERE code = ?", (code,))
        removed = cursor.rowcount > 0
        await cursor.close()
        return removed

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
            " content_length, via, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (message_key) DO NOTHING",
            (
                text.message_key,
                text.smart_number,
                text.sender,
                text.from_header,
                text.body,
                text.content_length,
                text.via,
                to_millis(text.received_at),
            ),
        )
        inserted, rowid = cursor.rowcount, cursor.lastrowid
        await cursor.close()
        return rowid if inserted and rowid is not None else None

    async def inbound_text(self, text_id: int) -> InboundText | None:
        row = await self._one(f"SELECT {_INBOX_COLUMNS} FROM text_inbox WHERE id = ?", (text_id,))
        return _inbound_text(row) if row else None

    async def pending_inbound_texts(self, limit: int) -> list[InboundText]:
        rows = await self._all(
            f"SELECT {_INBOX_COLUMNS} FROM text_inbox WHERE processed_at IS NULL"
            " ORDER BY id LIMIT ?",
            (limit,),
        )
        return [_inbound_text(r) for r in rows]

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
                at,
                text.reason,
            ),
            "text",
        )

    async def queued_text(self, text_id: int) -> QueuedText | None:
        row = await self._one(f"SELECT {_TEXT_COLUMNS} FROM text_outbox WHERE id = ?", (text_id,))
        return _queued_text(row) if row else None

    async def due_texts(self, now: datetime, limit: int) -> list[QueuedText]:
        rows = await self._all(
            f"SELECT {_TEXT_COLUMNS} FROM text_outbox WHERE status = 'queued'"
            " AND not_before <= ? ORDER BY not_before, id LIMIT ?",
            (to_millis(now), limit),
        )
        return [_queued_text(r) for r in rows]

    async def texts_by_status(
        self, statuses: Sequence[TextStatus], limit: int, after_id: int = 0
    ) -> list[QueuedText]:
        marks = ",".join("?" * len(statuses)) or "NULL"
        rows = await self._all(
            f"SELECT {_TEXT_COLUMNS} FROM text_outbox WHERE status IN ({marks}) AND id > ?"
            " ORDER BY id DESC LIMIT ?",
            [*(s.value for s in statuses), after_id, limit],
        )
        return [_queued_text(r) for r in rows]

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

    # -- recordings ----------------------------------------------------------

    async def add_recording(self, recording: Recording) -> None:
        await self._insert(
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
            f"SELECT {_RECORDING_COLUMNS} FROM recordings WHERE id = ?", (recording_id,)
        )
        return _recording(row) if row else None

    async def recordings(self, contact_ids: Sequence[int] | None, limit: int) -> list[Recording]:
        if contact_ids is None:
            where, params = "", []
        elif not contact_ids:
            return []
        else:
            where = f" WHERE contact_id IN ({','.join('?' * len(contact_ids))})"
            params = list(contact_ids)
        rows = await self._all(
            f"SELECT {_RECORDING_COLUMNS} FROM recordings{where}"
            " ORDER BY created_at DESC, id LIMIT ?",
            [*params, limit],
        )
        return [_recording(r) for r in rows]

    async def recording_ids(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = await self._all(f"SELECT id FROM recordings WHERE id IN ({marks})", list(ids))
        return {r[0] for r in rows}

    # -- the service's bookkeeping ---------------------------------------------

    async def state(self, key: str) -> str | None:
        row = await self._one("SELECT value FROM service_state WHERE key = ?", (key,))
        return str(row[0]) if row else None

    async def set_state(self, key: str, value: str) -> None:
        await self._exec(
            "INSERT INTO service_state (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- the HTTP API's tokens ---------------------------------------------

    async def add_api_token(self, token: NewApiToken) -> ApiToken:
        token_id = await self._insert(
            "INSERT INTO api_tokens (name, role, agent_id, token_hash, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                token.name,
                token.role.value,
                token.agent_id,
                token.token_hash,
                to_millis(token.created_at),
            ),
            f"token {token.name!r}",
        )
        return ApiToken(
            id=token_id,
            name=token.name,
            role=token.role,
            agent_id=token.agent_id,
            created_at=from_millis(to_millis(token.created_at)),
        )

    async def api_token_by_hash(self, token_hash: str) -> ApiToken | None:
        row = await self._one(
            f"SELECT {_API_TOKEN_FIELDS} FROM api_tokens WHERE token_hash = ?", (token_hash,)
        )
        return _api_token(row) if row else None

    async def api_tokens(self) -> list[ApiToken]:
        rows = await self._all(f"SELECT {_API_TOKEN_FIELDS} FROM api_tokens ORDER BY id")
        return [_api_token(r) for r in rows]

    async def revoke_api_token(self, name: str, at: datetime) -> bool:
        cursor = await self._exec(
            "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
            (to_millis(at), name),
        )
        changed = cursor.rowcount
        await cursor.close()
        return changed > 0

    # -- webhooks --------------------------------------------------------------

    async def add_webhook(self, webhook: NewWebhook) -> Webhook:
        webhook_id = await self._insert(
            "INSERT INTO webhooks (url, events, agent_id, secret, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                webhook.url,
                ",".join(webhook.events),
                webhook.agent_id,
                webhook.secret,
                to_millis(webhook.created_at),
            ),
            f"webhook to {webhook.url!r}",
        )
        found = await self.webhook_by_id(webhook_id)
        assert found is not None
        return found

    async def webhook_by_id(self, webhook_id: int) -> Webhook | None:
        row = await self._one(
            f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?", (webhook_id,)
        )
        return _webhook(row) if row else None

    async def webhooks(self, *, active_only: bool) -> list[Webhook]:
        where = " WHERE active = 1" if active_only else ""
        rows = await self._all(f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks{where} ORDER BY id")
        return [_webhook(r) for r in rows]

    async def disable_webhook(self, webhook_id: int, reason: str) -> None:
        await self._exec(
            "UPDATE webhooks SET active = 0, disabled_reason = ? WHERE id = ?",
            (reason, webhook_id),
        )
        await self._exec(
            "UPDATE webhook_deliveries SET status = 'dropped', last_error = ?"
            " WHERE webhook_id = ? AND status = 'pending'",
            (reason, webhook_id),
        )

    async def remove_webhook(self, webhook_id: int) -> bool:
        cursor = await self._exec("DELETE FROM webhooks WHERE id = ?", (webhook_id,))
        changed = cursor.rowcount
        await cursor.close()
        return changed > 0

    async def add_webhook_event(
        self, event: NewWebhookEvent, webhook_ids: Sequence[int]
    ) -> WebhookEvent:
        at = to_millis(event.at)
        key = ordering_key(event.contact_id, event.agent_id)
        row_id = await self._insert(
            "INSERT INTO webhook_events (event_id, type, at, contact_id, agent_id, payload)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (event.event_id, event.type, at, event.contact_id, event.agent_id, event.payload),
            f"event {event.event_id}",
        )
        await self._exec_many(
            "INSERT INTO webhook_deliveries (event_id, webhook_id, ordering_key,"
            " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
            [(row_id, w, key, at, at) for w in webhook_ids],
        )
        return WebhookEvent(
            id=row_id,
            event_id=event.event_id,
            type=event.type,
            at=from_millis(at),
            payload=event.payload,
            contact_id=event.contact_id,
            agent_id=event.agent_id,
        )

    async def webhook_event(self, event_id: str) -> WebhookEvent | None:
        row = await self._one(
            f"SELECT {_EVENT_COLUMNS} FROM webhook_events WHERE event_id = ?", (event_id,)
        )
        return _webhook_event(row) if row else None

    async def webhook_events_between(
        self, start: datetime, end: datetime, limit: int
    ) -> list[WebhookEvent]:
        rows = await self._all(
            f"SELECT {_EVENT_COLUMNS} FROM webhook_events WHERE at >= ? AND at < ?"
            " ORDER BY at, id LIMIT ?",
            (to_millis(start), to_millis(end), limit),
        )
        return [_webhook_event(r) for r in rows]

    async def queue_deliveries(
        self, events: Sequence[WebhookEvent], webhook_id: int, at: datetime
    ) -> int:
        now = to_millis(at)
        await self._exec_many(
            "INSERT INTO webhook_deliveries (event_id, webhook_id, ordering_key,"
            " next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)",
            [(e.id, webhook_id, e.ordering_key, now, now) for e in events],
        )
        return len(events)

    async def due_deliveries(self, now: datetime, limit: int) -> list[WebhookDelivery]:
        # The head of each (subscription, contact) queue only: per contact, events reach a
        # receiver in the order they happened, each after the one before it was settled.
        rows = await self._all(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries d"
            " JOIN webhook_events e ON e.id = d.event_id"
            " WHERE d.status = 'pending' AND d.next_attempt_at <= ?"
            " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o WHERE o.status = 'pending'"
            "  AND o.webhook_id = d.webhook_id AND o.ordering_key = d.ordering_key"
            "  AND o.id < d.id)"
            " ORDER BY d.id LIMIT ?",
            (to_millis(now), limit),
        )
        return [_delivery(r) for r in rows]

    async def delivery_attempted(
        self,
        delivery_id: int,
        *,
        at: datetime,
        status_code: int | None,
        error: str | None,
        delivered: bool,
        retry_at: datetime | None,
    ) -> None:
        if delivered:
            status, next_at = DeliveryStatus.DELIVERED, None
        elif retry_at is not None:
            status, next_at = DeliveryStatus.PENDING, to_millis(retry_at)
        else:
            status, next_at = DeliveryStatus.FAILED, None
        await self._exec(
            "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1,"
            " next_attempt_at = COALESCE(?, next_attempt_at), last_status = ?, last_error = ?,"
            " delivered_at = ? WHERE id = ?",
            (
                status.value,
                next_at,
                status_code,
                error,
                to_millis(at) if delivered else None,
                delivery_id,
            ),
        )

    async def deliveries(
        self, webhook_id: int | None, limit: int, before_id: int | None = None
    ) -> list[WebhookDelivery]:
        where: list[str] = []
        params: list[Any] = []
        if webhook_id is not None:
            where.append("d.webhook_id = ?")
            params.append(webhook_id)
        if before_id is not None:
            where.append("d.id < ?")
            params.append(before_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = await self._all(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries d"
            f" JOIN webhook_events e ON e.id = d.event_id{clause} ORDER BY d.id DESC LIMIT ?",
            [*params, limit],
        )
        return [_delivery(r) for r in rows]

    async def prune_webhook_events(self, before: datetime, limit: int) -> int:
        old = await self._all(
            "SELECT id FROM webhook_events e WHERE at < ? AND NOT EXISTS"
            " (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id"
            "  AND d.status = 'pending') ORDER BY at LIMIT ?",
            (to_millis(before), limit),
        )
        ids = [r[0] for r in old]
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        await self._exec(f"DELETE FROM webhook_deliveries WHERE event_id IN ({marks})", ids)
        await self._exec(f"DELETE FROM webhook_events WHERE id IN ({marks})", ids)
        return len(ids)

    # -- settings ------------------------------------------------------------

    async def settings(self) -> dict[str, str]:
        return {r[0]: r[1] for r in await self._all("SELECT key, value FROM system_settings")}

    async def set_setting(self, key: str, value: str) -> None:
        await self._exec(
            "INSERT INTO system_settings (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


_CODE_COLUMNS = "code, reply, agent_id, number_id, created_at"
_TEXT_COLUMNS = (
    "id, sender, recipient, body, purpose, status, created_at, not_before, attempts,"
    " activity_id, last_error, sent_at"
)


_INBOX_COLUMNS = (
    "id, message_key, smart_number, sender, from_header, body, content_length, via,"
    " received_at, attempts, processed_at, outcome"
)


def _inbound_text(r: sqlite3.Row) -> InboundText:
    return InboundText(
        id=r[0],
        message_key=r[1],
        smart_number=r[2],
        sender=r[3],
        from_header=r[4],
        body=r[5],
        content_length=r[6],
        via=r[7],
        received_at=from_millis(r[8]),
        attempts=r[9],
        processed_at=from_millis(r[10]) if r[10] is not None else None,
        outcome=r[11],
    )


def _queued_text(r: sqlite3.Row) -> QueuedText:
    return QueuedText(
        id=r[0],
        sender=r[1],
        recipient=r[2],
        body=r[3],
        purpose=r[4],
        status=TextStatus(r[5]),
        created_at=from_millis(r[6]),
        not_before=from_millis(r[7]),
        attempts=r[8],
        activity_id=r[9],
        last_error=r[10],
        sent_at=from_millis(r[11]) if r[11] is not None else None,
    )


def _text_code(r: sqlite3.Row) -> TextCode:
    return TextCode(r[0], r[1], r[2], r[3], from_millis(r[4]))


_RECORDING_COLUMNS = "id, kind, contact_id, call_id, smart_number_id, path, seconds, created_at"


def _recording(r: sqlite3.Row) -> Recording:
    return Recording(
        id=r[0],
        kind=RecordingKind(r[1]),
        contact_id=r[2],
        call_id=r[3],
        smart_number_id=r[4],
        path=r[5],
        seconds=r[6],
        created_at=from_millis(r[7]),
    )


def _agent(r: sqlite3.Row) -> Agent:
    return Agent(
        id=r[0],
        name=r[1],
        cell=r[2],
        endpoint=r[3],
        office_id=r[4],
        team_id=r[5],
        active=bool(r[6]),
        admin=bool(r[7]),
        email=r[8],
        sip_contact=r[9],
        sip_secret=r[10],
    )


def _number(r: sqlite3.Row) -> SmartNumber:
    return SmartNumber(
        id=r[0],
        e164=r[1],
        scope=Scope(r[2]),
        office_id=r[3],
        team_id=r[4],
        agent_id=r[5],
        primary=bool(r[6]),
        fallback_agent_id=r[7],
        settings=json.loads(r[8]),
    )


def _activity(r: sqlite3.Row) -> Activity:
    return Activity(
        id=r[0],
        contact_id=r[1],
        agent_id=r[2],
        kind=ActivityKind(r[3]),
        direction=Direction(r[4]),
        at=from_millis(r[5]),
        smart_number_id=r[6],
        detail=json.loads(r[7]),
        external_id=r[8],
        call_key=r[9],
    )


def _api_token(r: sqlite3.Row) -> ApiToken:
    return ApiToken(
        id=r[0],
        name=r[1],
        role=Role(r[2]),
        agent_id=r[3],
        created_at=from_millis(r[4]),
        revoked_at=from_millis(r[5]) if r[5] is not None else None,
        last_used_at=from_millis(r[6]) if r[6] is not None else None,
    )


def _webhook(r: sqlite3.Row) -> Webhook:
    return Webhook(
        id=r[0],
        url=r[1],
        events=tuple(e for e in r[2].split(",") if e),
        secret=r[3],
        created_at=from_millis(r[4]),
        agent_id=r[5],
        active=bool(r[6]),
        disabled_reason=r[7],
    )


def _webhook_event(r: sqlite3.Row | tuple[Any, ...]) -> WebhookEvent:
    return WebhookEvent(
        id=r[0],
        event_id=r[1],
        type=r[2],
        at=from_millis(r[3]),
        payload=r[4],
        contact_id=r[5],
        agent_id=r[6],
    )


def _delivery(r: sqlite3.Row) -> WebhookDelivery:
    return WebhookDelivery(
        id=r[0],
        webhook_id=r[1],
        status=DeliveryStatus(r[2]),
        attempts=r[3],
        next_attempt_at=from_millis(r[4]),
        last_status=r[5],
        last_error=r[6],
        delivered_at=from_millis(r[7]) if r[7] is not None else None,
        event=_webhook_event(r[8:]),
    )
