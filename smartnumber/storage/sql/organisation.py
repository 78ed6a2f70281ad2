"""Offices, teams, agents and Smart Numbers in SQLite."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ...errors import Conflict
from ...model import (
    Agent,
    NumberRouting,
    Office,
    RoutingMode,
    Scope,
    SmartNumber,
    Team,
)
from ..repository import (
    NewAgent,
    NewSmartNumber,
)
from .rows import (
    AGENT_COLUMNS,
    NUMBER_COLUMNS,
    as_agent,
    as_number,
)
from .statements import (
    Statements,
)


class OrganisationRows(Statements):
    """Offices, teams, agents, Smart Numbers and their routing."""

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
        row = await self._one(f"SELECT {AGENT_COLUMNS} FROM agents WHERE name = ?", (name,))
        return as_agent(row) if row else None

    async def agent_by_id(self, agent_id: int) -> Agent | None:
        row = await self._one(f"SELECT {AGENT_COLUMNS} FROM agents WHERE id = ?", (agent_id,))
        return as_agent(row) if row else None

    async def agent_by_endpoint(self, endpoint: str) -> Agent | None:
        row = await self._one(f"SELECT {AGENT_COLUMNS} FROM agents WHERE endpoint = ?", (endpoint,))
        return as_agent(row) if row else None

    async def agent_by_cell(self, e164: str) -> Agent | None:
        row = await self._one(
            f"SELECT {AGENT_COLUMNS} FROM agents WHERE cell = ? ORDER BY id LIMIT 1", (e164,)
        )
        return as_agent(row) if row else None

    async def list_agents(self) -> list[Agent]:
        return [
            as_agent(r)
            for r in await self._all(f"SELECT {AGENT_COLUMNS} FROM agents ORDER BY name")
        ]

    async def agents_by_ids(self, agent_ids: Sequence[int]) -> list[Agent]:
        if not agent_ids:
            return []
        marks = ",".join("?" * len(agent_ids))
        rows = await self._all(
            f"SELECT {AGENT_COLUMNS} FROM agents WHERE id IN ({marks})", list(agent_ids)
        )
        return [as_agent(r) for r in rows]

    async def active_admins(self) -> list[Agent]:
        rows = await self._all(
            f"SELECT {AGENT_COLUMNS} FROM agents WHERE admin = 1 AND active = 1 ORDER BY id"
        )
        return [as_agent(r) for r in rows]

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
            f"SELECT {NUMBER_COLUMNS} FROM smart_numbers WHERE id = ?", (number_id,)
        )
        assert found is not None
        return as_number(found)

    async def number_by_e164(self, e164: str) -> SmartNumber | None:
        row = await self._one(f"SELECT {NUMBER_COLUMNS} FROM smart_numbers WHERE e164 = ?", (e164,))
        return as_number(row) if row else None

    async def number_by_id(self, number_id: int) -> SmartNumber | None:
        row = await self._one(
            f"SELECT {NUMBER_COLUMNS} FROM smart_numbers WHERE id = ?", (number_id,)
        )
        return as_number(row) if row else None

    async def list_numbers(self) -> list[SmartNumber]:
        rows = await self._all(f"SELECT {NUMBER_COLUMNS} FROM smart_numbers ORDER BY e164")
        return [as_number(r) for r in rows]

    async def numbers_owned(self, scope: Scope, owner_id: int) -> list[SmartNumber]:
        column = {Scope.OFFICE: "office_id", Scope.TEAM: "team_id", Scope.PERSONAL: "agent_id"}[
            scope
        ]
        rows = await self._all(
            f"SELECT {NUMBER_COLUMNS} FROM smart_numbers WHERE {column} = ? AND scope = ?"
            " ORDER BY is_primary DESC, id",
            (owner_id, scope.value),
        )
        return [as_number(r) for r in rows]

    async def set_primary_number(self, number: SmartNumber) -> None:
        if number.agent_id is None:
            raise Conflict(f"{number.e164} is not a personal number; only those have a primary")
        await self._exec(
            "UPDATE smart_numbers SET is_primary = CASE WHEN id = ? THEN 1 ELSE 0 END"
            " WHERE agent_id = ?",
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

    async def advance_round_robin(
        self, number_id: int, expected: int | None, agent_id: int
    ) -> bool:
        changes = await self._exec(
            "UPDATE number_routing SET last_agent_id = ? WHERE number_id = ?"
            " AND last_agent_id IS NOT DISTINCT FROM ?",  # equal, or both NULL (no call yet)
            (agent_id, number_id, expected),
        )
        return changes > 0
