"""The repository's SQL, written once for every database (SQLite and PostgreSQL).

One part per concern (organisation, contacts, texting, compliance, carriers, records,
crm), each running its statements through statements.Statements over a driver's
Connection and reading rows back through rows.py; SqlRepository puts the parts together.
"""

from .repository import SqlRepository
from .statements import Connection, RuleBroken, from_millis, to_millis

__all__ = ["Connection", "RuleBroken", "SqlRepository", "from_millis", "to_millis"]
