"""`smartnumber number config`: a Smart Number's call handling, validated (SPEC section 4)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import media, phone, settings
from ..directory import numbers
from ..errors import UserError
from ..model import CallHandling, ForwardWhen, SmartNumber
from ..routing.forwarding import check
from ..storage.repository import Repository

TIMEOUT_RANGE = (5, 120)  # seconds: shorter misses people, longer lands in carrier voicemail
PROMPT_TEXT_MAX = 200  # characters: a whisper or consent prompt is a sentence or two
CONTRADICTIONS = (
    ("forward_to", "no_forward"),
    ("whisper", "whisper_file"),
    ("whisper", "no_whisper"),
    ("whisper_file", "no_whisper"),
    ("record_consent", "no_record_consent"),
)


TERRITORIES = "forwarding.allow_us_territories"


async def allow_territories(repo: Repository) -> bool:
    return territories_allowed((await settings.load(repo))[TERRITORIES])


def territories_allowed(value: str | None) -> bool:
    """The forwarding.allow_us_territories setting, as stored (None: its default)."""
    return settings.value_of(TERRITORIES, value) == "yes"


async def forward_target(repo: Repository, typed: str) -> str:
    """A forward-to number as E.164, or a one-line reason naming the region."""
    e164 = phone.to_e164(typed, require_valid=False)  # the region's refusal says more
    verdict = check(e164, allow_us_territories=await allow_territories(repo))
    if not verdict.allowed:
        raise UserError(verdict.reason)
    return e164


def prompt_text(text: str, what: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned or len(cleaned) > PROMPT_TEXT_MAX or not cleaned.isprintable():
        raise UserError(f"{what} must be 1-{PROMPT_TEXT_MAX} printable characters")
    return cleaned


def check_contradictions(changes: dict[str, Any]) -> None:
    for a, b in CONTRADICTIONS:
        if changes.get(a) not in (None, False) and changes.get(b) not in (None, False):
            option = {k: "--" + k.replace("_", "-") for k in (a, b)}
            raise UserError(f"{option[a]} and {option[b]} contradict each other")


def make_prompts(media_dir: Path, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes with their prompts made: whisper text or file, consent text. Done before
    the database transaction, since speaking a sentence takes a moment."""
    made = dict(changes)
    if changes.get("whisper") is not None:
        text = prompt_text(changes["whisper"], "the whisper")
        made["whisper"], made["whisper_prompt"] = text, media.speak(media_dir, text)
    elif changes.get("whisper_file") is not None:
        source = Path(changes["whisper_file"])
        made["whisper"] = f"file: {source.name}"
        made["whisper_prompt"] = media.import_audio(media_dir, source)
    if changes.get("record_consent") is not None:
        text = prompt_text(changes["record_consent"], "the consent prompt")
        made["record_consent"], made["consent_prompt"] = text, media.speak(media_dir, text)
    return made


async def configure(
    repo: Repository, number_text: str, changes: dict[str, Any]
) -> tuple[SmartNumber, CallHandling]:
    """Apply the given changes (None = leave as is) and store the result."""
    number = await numbers.number_called(repo, number_text)
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
    for flag in ("pass_called_number", "call_connect", "voicemail", "record"):
        if changes.get(flag) is not None:
            updates[flag] = bool(changes[flag])
    if changes.get("no_whisper"):
        updates["whisper"] = updates["whisper_prompt"] = None
    elif changes.get("whisper_prompt") is not None:
        updates["whisper"], updates["whisper_prompt"] = (
            changes["whisper"],
            changes["whisper_prompt"],
        )
    if changes.get("no_record_consent"):
        updates["record_consent"] = updates["consent_prompt"] = None
    elif changes.get("consent_prompt") is not None:
        updates["record_consent"] = changes["record_consent"]
        updates["consent_prompt"] = changes["consent_prompt"]
    handling = replace(handling, **updates)
    stored = dict(number.settings)
    stored["call_handling"] = handling.as_dict()
    await repo.set_number_settings(number.id, stored)
    return number, handling
