"""Texting registration (SPEC 6 "Compliance"): a US local number texts only when linked
to an approved A2P 10DLC campaign; a toll-free number only once verified. Numbers
outside the United States are not gated here.

Also line types: `linetype import` (numbers or NPA-NXX prefixes) and `contact
set-linetype`, since a landline cannot receive texts.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import phone
from ..directory import numbers
from ..errors import UserError
from ..model import LineType, Registration, SmartNumber
from ..routing.forwarding import region_of
from ..storage.repository import Compliance, Repository

TOLL_FREE_NPAS = frozenset({"800", "833", "844", "855", "866", "877", "888"})
STATUSES = ("pending", "approved", "rejected")
TOLLFREE_STATUSES = ("pending", "verified", "rejected")


def kind(e164: str) -> str:
    """toll-free, us-local or other (not gated)."""
    if e164.startswith("+1") and e164[2:5] in TOLL_FREE_NPAS:
        return "toll-free"
    if region_of(phone.parse(e164, require_valid=False)) == "US":
        return "us-local"
    return "other"


def missing(e164: str, registration: Registration) -> str | None:
    """Which registration keeps this number from texting; None when it may text."""
    what = kind(e164)
    if what == "toll-free" and registration.tollfree_status != "verified":
        status = registration.tollfree_status or "not submitted"
        return f"{e164} is toll-free and its toll-free verification is {status}"
    if what == "us-local":
        campaign = registration.campaign
        if campaign is None:
            return f"{e164} is not linked to an A2P 10DLC campaign"
        if campaign.status != "approved":
            return f"{e164}'s 10DLC campaign {campaign.id} is {campaign.status}, not approved"
    return None


async def clearance(repo: Compliance, number: SmartNumber) -> str | None:
    return missing(number.e164, await repo.registration(number.id))


def check_samples(brand: str, samples: Sequence[str]) -> None:
    if len(samples) < 2:
        raise UserError("a campaign needs at least two --sample messages")
    for sample in samples:
        if brand.casefold() not in sample.casefold():
            raise UserError(f"sample {sample[:40]!r} does not name the business ({brand})")
        if not re.search(r"\bSTOP\b", sample, re.IGNORECASE):
            raise UserError(f"sample {sample[:40]!r} does not say how to opt out (STOP)")


async def add_brand(repo: Compliance, name: str, ein: str | None, now: datetime) -> int:
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise UserError("a brand name must be 1-80 characters")
    return await repo.add_brand(name, ein, now)


async def add_campaign(
    repo: Compliance, brand: str, use_case: str, samples: Sequence[str], now: datetime
) -> int:
    brand_id = await repo.brand_id(brand)
    if brand_id is None:
        raise UserError(f"no brand named {brand!r} (add it with `compliance brand add`)")
    if not use_case.strip():
        raise UserError("--use-case must not be empty")
    check_samples(brand, samples)
    return await repo.add_campaign(brand_id, use_case.strip(), list(samples), now)


async def set_campaign_status(repo: Compliance, campaign_id: int, status: str) -> None:
    if await repo.campaign(campaign_id) is None:
        raise UserError(f"no campaign {campaign_id}")
    await repo.set_campaign_status(campaign_id, status)


async def link(repo: Repository, number_text: str, campaign_id: int) -> SmartNumber:
    number = await numbers.number_called(repo, number_text)
    if await repo.campaign(campaign_id) is None:
        raise UserError(f"no campaign {campaign_id}")
    if kind(number.e164) != "us-local":
        raise UserError(f"{number.e164} is not a US local number: 10DLC does not apply")
    await repo.link_campaign(number.id, campaign_id)
    return number


async def tollfree(repo: Repository, number_text: str, status: str) -> SmartNumber:
    number = await numbers.number_called(repo, number_text)
    if kind(number.e164) != "toll-free":
        raise UserError(f"{number.e164} is not a toll-free number")
    await repo.set_tollfree_status(number.id, status)
    return number


async def show(repo: Repository, number_text: str) -> dict[str, Any]:
    number = await numbers.number_called(repo, number_text)
    registration = await repo.registration(number.id)
    campaign = registration.campaign
    reason = missing(number.e164, registration)
    return {
        "number": number.e164,
        "kind": kind(number.e164),
        "campaign": (
            {"id": campaign.id, "brand": campaign.brand, "status": campaign.status}
            if campaign
            else None
        ),
        "tollfree": registration.tollfree_status,
        "can_text": reason is None,
        "reason": reason,
    }


# -- line types -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineTypeRow:
    prefix: str
    line_type: LineType


def line_type_prefix(text: str) -> str:
    """A whole number as E.164, or an NPA-NXX prefix as '+1NPANXX'."""
    digits = re.sub(r"[\s().-]", "", text)
    if re.fullmatch(r"(\+?1)?[2-9]\d{2}[2-9]\d{2}", digits):
        return "+1" + digits[-6:]
    return phone.to_e164(text)


def read_line_types(path: Path) -> tuple[list[LineTypeRow], list[str]]:
    """Rows of `number or NPA-NXX, type`; errors by line number, nothing half-read."""
    rows, errors = [], []
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        for line_no, fields in enumerate(csv.reader(handle), start=1):
            if not fields or (line_no == 1 and fields[0].strip().lower() in ("number", "prefix")):
                continue
            try:
                if len(fields) != 2:
                    raise UserError("expected: number or NPA-NXX, type")
                value = fields[1].strip().lower()
                if value not in {t.value for t in LineType}:
                    raise UserError(f"unknown line type {value!r}")
                rows.append(LineTypeRow(line_type_prefix(fields[0]), LineType(value)))
            except UserError as exc:
                errors.append(f"line {line_no}: {exc}")
    return rows, errors
