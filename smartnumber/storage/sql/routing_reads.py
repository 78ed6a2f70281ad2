"""The routing decision's one read: a call's number, caller, history and agents at once.

Each statement stands alone (keyed by the numbers, never by another's result), so all of
them go to the database in one trip (Connection.fetch_each) instead of one by one.
"""

from __future__ import annotations

from datetime import datetime

from ...model import ActivityKind, CallerIdentity, NumberRouting, RoutingMode
from ..repository import CallRecords, LatestActivity
from .rows import (
    AGENT_COLUMNS,
    CONTACT_COLUMNS,
    NUMBER_COLUMNS,
    PHONE_COLUMNS,
    as_agent,
    as_contacts,
    as_number,
)
from .statements import Row, Statements, from_millis, to_millis

_CALLERS = "SELECT contact_id FROM contact_phones WHERE e164 = ?"
_NUMBER_ID = "SELECT id FROM smart_numbers WHERE e164 = ?"


def _prefixed(alias: str, columns: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


# The number, its team's office and its routing (mode NULL: it has none).
NUMBER = (
    f"SELECT {NUMBER_COLUMNS}, (SELECT t.office_id FROM teams t WHERE t.id = n.team_id),"
    " (SELECT r.mode FROM number_routing r WHERE r.number_id = n.id),"
    " (SELECT r.last_agent_id FROM number_routing r WHERE r.number_id = n.id)"
    " FROM smart_numbers n WHERE n.e164 = ?"
)
ROUTING_AGENTS = (
    f"SELECT agent_id FROM number_routing_agents WHERE number_id = ({_NUMBER_ID}) ORDER BY position"
)
# The caller's contacts, a row per phone of theirs (PHONE_COLUMNS after theirs).
CONTACTS = (
    f"SELECT {_prefixed('c', CONTACT_COLUMNS)}, {_prefixed('p', PHONE_COLUMNS)}"
    " FROM contacts c JOIN contact_phones p ON p.contact_id = c.id"
    f" WHERE c.id IN ({_CALLERS}) ORDER BY c.id, p.rowid"
)
# Their latest conversation ('c') and outbound activity ('o'), with the agent of each.
# The conditions are those of the partial indexes latest_conversation and
# latest_outbound (0001_initial.sql), word for word, as SQLite needs to choose them.
_LATEST = (
    f"SELECT a.id, a.contact_id, a.agent_id, a.kind, a.at, {_prefixed('g', AGENT_COLUMNS)}"
    " FROM activities a JOIN agents g ON g.id = a.agent_id"
    f" WHERE a.contact_id IN ({_CALLERS}) AND {{condition}}"
    " ORDER BY a.at DESC, a.id DESC LIMIT 1"
)
LATEST = (
    "SELECT 'c', c.* FROM ("
    + _LATEST.format(
        condition="a.kind IN ('call', 'text') AND a.agent_id IS NOT NULL AND a.at >= ?"
    )
    + ") AS c UNION ALL SELECT 'o', o.* FROM ("
    + _LATEST.format(condition="a.direction = 'outbound' AND a.agent_id IS NOT NULL")
    + ") AS o"
)
# The active admins, and the agents the number and its routing name.
AGENTS = (
    f"SELECT {AGENT_COLUMNS} FROM agents WHERE (admin = 1 AND active = 1) OR id IN ("
    "SELECT agent_id FROM smart_numbers WHERE e164 = ?"
    " UNION SELECT fallback_agent_id FROM smart_numbers WHERE e164 = ?"
    f" UNION SELECT agent_id FROM number_routing_agents WHERE number_id = ({_NUMBER_ID})"
    f" UNION SELECT last_agent_id FROM number_routing WHERE number_id = ({_NUMBER_ID})"
    ") ORDER BY id"
)

# The number's SHAKEN/STIR and CNAM (its CNAM name is shown when it passes the number).
IDENTITY = (
    "SELECT shaken_status, shaken_attestation, cnam_name, cnam_status FROM number_identity"
    f" WHERE number_id = ({_NUMBER_ID})"
)
# The one setting a decision reads: may agents' cells and the forward be in US territories?
TERRITORIES = "SELECT value FROM system_settings WHERE key = 'forwarding.allow_us_territories'"


class RoutingReadRows(Statements):
    """The routing decision's one read."""

    async def call_records(
        self, number_e164: str, caller_e164: str | None, since: datetime
    ) -> CallRecords:
        n, c = number_e164, caller_e164 or ""  # no caller ID: no contact has ""
        number, routed_to, contacts, latest, agents, identity, territories = await self._each(
            (NUMBER, (n,)),
            (ROUTING_AGENTS, (n,)),
            (CONTACTS, (c,)),
            (LATEST, (c, to_millis(since), c)),
            (AGENTS, (n, n, n, n)),
            (IDENTITY, (n,)),
            (TERRITORIES, ()),
        )
        people = {a.id: a for a in map(as_agent, agents)}
        for row in latest:
            people.setdefault(row[3], as_agent(row[6:]))
        found = {row[0]: _latest(row[1:]) for row in latest}
        width = len(CONTACT_COLUMNS.split(","))
        numbered = number[0] if number else None
        return CallRecords(
            number=as_number(numbered) if numbered else None,
            contacts=as_contacts(
                list({r[0]: r[:width] for r in contacts}.values()), [r[width:] for r in contacts]
            ),
            latest_conversation=found.get("c"),
            latest_outbound=found.get("o"),
            routing=NumberRouting(
                RoutingMode(numbered[11]), tuple(r[0] for r in routed_to), numbered[12]
            )
            if numbered and numbered[11] is not None
            else None,
            team_office_id=numbered[10] if numbered else None,
            admins=[a for a in people.values() if a.admin and a.active],
            agents=people,
            identity=CallerIdentity(*identity[0]) if identity else CallerIdentity(),
            allow_us_territories=territories[0][0] if territories else None,
        )


def _latest(r: Row) -> LatestActivity:
    return LatestActivity(r[0], r[1], r[2], ActivityKind(r[3]), from_millis(r[4]))
