"""The Repository protocol over an open transaction of any database, one part per concern."""

from __future__ import annotations

from .call_requests import CallRequestRows
from .carriers import CarrierRows
from .compliance import ComplianceRows
from .contacts import ContactRows
from .crm import CrmRows
from .organisation import OrganisationRows
from .records import RecordRows
from .routing_reads import RoutingReadRows
from .statements import Connection
from .texting import TextingRows


class SqlRepository(
    OrganisationRows,
    ContactRows,
    RoutingReadRows,
    TextingRows,
    ComplianceRows,
    CarrierRows,
    RecordRows,
    CallRequestRows,
    CrmRows,
):
    """Every concern's statements over one Connection (statements.Connection)."""

    @property
    def connection(self) -> Connection:
        """The transaction's own Connection: for storage/copy.py, which works on whole
        tables beneath the repository's methods."""
        return self._db
