"""Who a Smart Number says it is when it calls (SPEC 6): its SHAKEN/STIR registration
(the attestation carriers sign its calls with) and its CNAM, the caller name the called
party's carrier looks up. Recorded per number as the carrier reports them; an approved
CNAM name is also set as the SIP caller name on outbound legs (click-to-call, forwards
that show the Smart Number).

CNAM names follow the carriers' CNAM rules: at most 15 characters, letters, digits,
spaces and . & - only (no commas: nothing a dialplan would split), at least two letters,
not only digits (a number is not a name)."""

from __future__ import annotations

import re

from ..directory import numbers
from ..errors import UserError
from ..model import CallerIdentity, SmartNumber
from ..storage.repository import Repository

STATUSES = ("pending", "approved", "rejected")
ATTESTATIONS = ("A", "B", "C")
CNAM_CHARS = re.compile(r"^[A-Za-z0-9 .&-]+$")


def check_cnam(name: str) -> str:
    """The name, spaces squeezed, or a UserError naming the rule it breaks."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 15:
        raise UserError(f"a CNAM name is at most 15 characters; {name!r} has {len(name)}")
    if not CNAM_CHARS.match(name):
        raise UserError("a CNAM name has only letters, digits, spaces and . & -")
    if sum(c.isalpha() for c in name) < 2:
        raise UserError("a CNAM name has at least 2 letters (only digits is a number, not a name)")
    return name


async def set_shaken(
    repo: Repository, number_text: str, status: str, attestation: str | None
) -> SmartNumber:
    number = await numbers.number_called(repo, number_text)
    if status not in STATUSES:
        raise UserError(f"status must be one of {', '.join(STATUSES)}")
    if attestation is not None and attestation.upper() not in ATTESTATIONS:
        raise UserError("attestation must be A, B or C")
    await repo.set_shaken(number.id, status, attestation.upper() if attestation else None)
    return number


async def set_cnam(repo: Repository, number_text: str, name: str, status: str) -> SmartNumber:
    number = await numbers.number_called(repo, number_text)
    if status not in STATUSES:
        raise UserError(f"status must be one of {', '.join(STATUSES)}")
    await repo.set_cnam(number.id, check_cnam(name), status)
    return number


async def caller_name(repo: Repository, e164: str) -> str:
    """The approved CNAM name of the Smart Number e164, or '' (none, or not ours)."""
    number = await repo.number_by_e164(e164)
    if number is None:
        return ""
    return (await repo.caller_identity(number.id)).caller_name or ""


def view(identity: CallerIdentity) -> dict[str, object]:
    return {
        "shaken": {"status": identity.shaken_status, "attestation": identity.attestation},
        "cnam": {"name": identity.cnam_name, "status": identity.cnam_status},
    }
