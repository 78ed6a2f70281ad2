"""Which Smart Number an agent's outbound calls and texts show (SPEC section 2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model import SmartNumber


@dataclass(frozen=True)
class OutboundChoice:
    number: SmartNumber | None
    level: str | None  # "personal", "team", "office", or None when the agent has none
    reason: str


def choose_outbound_number(
    personal: Sequence[SmartNumber],
    team: Sequence[SmartNumber],
    office: Sequence[SmartNumber],
) -> OutboundChoice:
    """The most specific number wins: personal (the primary one), else team, else office."""
    if personal:
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
