"""Which number an agent's outbound calls and texts show (SPEC section 2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model import SmartNumber


@dataclass(frozen=True)
class OutboundChoice:
    number: SmartNumber | None  # the Smart Number, unless a verified caller ID is shown
    level: str | None  # "verified", "personal", "team", "office"; None when there is none
    reason: str
    verified: str | None = None  # the agent's own verified number, when chosen

    @property
    def caller_id(self) -> str | None:
        """The E.164 number the other side sees."""
        return self.verified or (self.number.e164 if self.number else None)


def area_code(e164: str) -> str | None:
    """The NANP area code (NPA) of a +1 number."""
    return e164[2:5] if e164.startswith("+1") and len(e164) == 12 else None


def choose_outbound_number(
    personal: Sequence[SmartNumber],
    team: Sequence[SmartNumber],
    office: Sequence[SmartNumber],
    *,
    contact: str | None = None,
    verified: str | None = None,
) -> OutboundChoice:
    """A verified caller ID the agent chose wins; else the most specific Smart Number:
    personal (the one in the contact's area code when there are several, else the
    primary), else team, else office."""
    if verified:
        return OutboundChoice(None, "verified", "the agent's verified caller ID", verified)
    if personal:
        npa = area_code(contact) if contact else None
        local = [n for n in personal if npa and area_code(n.e164) == npa]
        if len(personal) > 1 and local:
            chosen = next((n for n in local if n.primary), min(local, key=lambda n: n.id))
            return OutboundChoice(
                chosen, "personal", f"the agent's personal number in area code {npa}"
            )
        chosen = next((n for n in personal if n.primary), min(personal, key=lambda n: n.id))
        why = "primary personal number" if chosen.primary else "personal number"
        return OutboundChoice(chosen, "personal", f"the agent's {why}")
    if team:
        return OutboundChoice(min(team, key=lambda n: n.id), "team", "the agent's team number")
    if office:
        return OutboundChoice(
            min(office, key=lambda n: n.id), "office", "the agent's office number"
        )
    return OutboundChoice(None, None, "the agent has no personal, team or office Smart Number")
