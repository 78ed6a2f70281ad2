"""`smartnumber number config`: a Smart Number's call handling, validated (SPEC section 4)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from . import phone, provision, settings
from .errors import UserError
from .model import CallHandling, ForwardWhen, SmartNumber
from .routing.forwarding import check
from .storage.repository import Repository

TIMEOUT_RANGE = (5, 120)  # seconds: shorter misses people, longer lands in carrier voicemail


async def allow_territories(repo: Repository) -> bool:
    return (await settings.load(repo))["forwarding.allow_us_territories"] == "yes"


async def forward_target(repo: Repository, typed: str) -> str:
    """A forward-to number as E.164, or a one-line reason naming the region."""
    e164 = phone.to_e164(typed, require_valid=False)  # the region's refusal says more
    verdict = check(e164, allow_us_territories=await allow_territories(repo))
    if not verdict.allowed:
        raise UserError(verdict.reason)
    return e164


async def configure(
    repo: Repository, number_text: str, changes: dict[str, Any]
) -> tuple[SmartNumber, CallHandling]:
    """Apply the given changes (None = leave as is) and store the result."""
    number = await provision.number_called(repo, number_text)
    handling = number.handling
    updates: dict[str, Any] = {}
    if changes.get("no_forward"):
        updates["forward_to"] = None
    elif changes.get("forward_to") is not None:
        updates["forward_to"] = await forward_target(repo, changes["forward_to"])
    if changes.get("forward_when") is not None:
        updates["forward_when"] = ForwardWhen(changes["forward_when"])
    if changes.get("timeout") is not None:
        low, high = TIMEOUT_RANGE
        if not low <= changes["timeout"] <= high:
            raise UserError(f"timeout must be {low}-{high} seconds")
        updates["timeout"] = changes["timeout"]
    for flag in ("pass_called_number", "call_connect"):
        if changes.get(flag) is not None:
            updates[flag] = bool(changes[flag])
    handling = replace(handling, **updates)
    stored = dict(number.settings)
    stored["call_handling"] = handling.as_dict()
    await repo.set_number_settings(number.id, stored)
    return number, handling
