"""`smartnumber number config`: forwarding to the US and Canada only, bounds, and the
rule checked again at call time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smartnumber.asterisk.dial import dial_string, target
from smartnumber.calls import inbound as calls
from smartnumber.storage.sqlite import SqliteStore
from tests.unit.conftest import Run, as_json, assert_user_error

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_config_is_stored_and_shown(provisioned: Run) -> None:
    shown = as_json(
        provisioned(
            "number",
            "config",
            "+12125550100",
            "--forward-to",
            "(415) 555-0123",
            "--timeout",
            "20",
            "--pass-called-number",
            "--json",
        )
    )
    assert shown["forward_to"] == "+14155550123"
    assert shown["forward_when"] == "no-answer"
    assert shown["timeout"] == 20 and shown["pass_called_number"] is True
    handling = as_json(provisioned("number", "show", "+12125550100", "--json"))["call_handling"]
    assert handling["forward_to"] == "+14155550123"
    provisioned("number", "config", "+12125550100", "--no-forward", "--forward-when", "always")
    handling = as_json(provisioned("number", "show", "+12125550100", "--json"))["call_handling"]
    assert handling["forward_to"] is None and handling["timeout"] == 20  # others kept


@pytest.mark.parametrize(
    ("number", "fragments"),
    [
        ("+18765550123", ["+18765550123 is in Jamaica (JM)", "only United States and Canada"]),
        ("+18095550123", ["Dominican Republic (DO)"]),
        ("+12425550123", ["Bahamas (BS)"]),
        ("+17875550123", ["Puerto Rico (PR)", "US territories only when the admin allows"]),
        ("+19005550123", ["premium-rate"]),
        ("+442079460000", ["+442079460000 is in GB"]),
        ("5551234&PJSIP/evil", ["is not a phone number"]),
    ],
)
def test_forwarding_outside_the_us_and_canada_is_refused(
    provisioned: Run, number: str, fragments: list[str]
) -> None:
    assert_user_error(
        provisioned("number", "config", "+12125550100", "--forward-to", number, ok=False),
        *fragments,
    )


def test_territories_when_the_admin_allows_them(provisioned: Run) -> None:
    provisioned("settings", "set", "forwarding.allow_us_territories", "yes")
    provisioned("number", "config", "+12125550100", "--forward-to", "+17877221234")
    assert (
        as_json(provisioned("number", "show", "+12125550100", "--json"))["call_handling"][
            "forward_to"
        ]
        == "+17877221234"
    )


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--timeout", "2"], ["timeout must be 5-120 seconds"]),
        (["--timeout", "600"], ["timeout must be 5-120 seconds"]),
        (["--forward-to", "4155550123", "--no-forward"], ["contradict"]),
    ],
)
def test_config_errors(provisioned: Run, args: list[str], fragments: list[str]) -> None:
    assert_user_error(provisioned("number", "config", "+12125550100", *args, ok=False), *fragments)


async def route(db: Path, caller: str) -> calls.RoutedCall:
    store = await SqliteStore.open(db)
    try:
        async with store.transaction() as repo:
            return await calls.route_incoming(repo, "+12125550100", caller, NOW)
    finally:
        await store.close()


async def test_a_stored_forward_is_checked_again_at_call_time(
    provisioned: Run, tmp_path: Path
) -> None:
    provisioned("settings", "set", "forwarding.allow_us_territories", "yes")
    provisioned("number", "config", "+12125550100", "--forward-to", "+17877221234")
    allowed = await route(tmp_path / "sn.db", "+12125550177")
    assert allowed.forward == "+17877221234"
    provisioned("settings", "set", "forwarding.allow_us_territories", "no")  # rules tighten
    refused = await route(tmp_path / "sn.db", "+12125550178")
    assert refused.forward == ""
    assert any("Puerto Rico (PR)" in note for note in refused.notes)


async def test_forward_always_rings_only_the_external_number(
    provisioned: Run, tmp_path: Path
) -> None:
    provisioned(
        "number",
        "config",
        "+12125550100",
        "--forward-to",
        "+14155550123",
        "--forward-when",
        "always",
        "--pass-called-number",
    )
    routed = await route(tmp_path / "sn.db", "+12125550177")
    assert dial_string(routed.rings) == "" and routed.forward == "+14155550123"
    assert routed.show_number == "+12125550100"


async def test_agent_cells_abroad_are_not_dialled(provisioned: Run, tmp_path: Path) -> None:
    provisioned("agent", "add", "Jim", "--cell", "+18765550123", "--office", "Main")
    provisioned("number", "routing", "+12125550100", "--mode", "group", "--agents", "Bob,Jim")
    routed = await route(tmp_path / "sn.db", "+12125550177")
    assert dial_string(routed.rings) == "PJSIP/bob"
    assert any(
        note.startswith("Jim's cell not rung: +18765550123 is in Jamaica") for note in routed.notes
    )


async def test_call_connect_wraps_external_legs_only(provisioned: Run, tmp_path: Path) -> None:
    provisioned(
        "number", "routing", "+12125550100", "--mode", "group", "--agents", "Bob,Carol"
    )  # Bob has an endpoint, Carol only a cell
    provisioned(
        "number", "config", "+12125550100", "--call-connect", "--forward-to", "+14155550123"
    )
    shown = as_json(provisioned("number", "show", "+12125550100", "--json"))
    assert shown["call_handling"]["call_connect"] is True
    routed = await route(tmp_path / "sn.db", "+12125550177")
    assert dial_string(routed.rings) == "PJSIP/bob&Local/+12125550103@smartnumber-connect"
    assert forward_target(routed) == "Local/+14155550123@smartnumber-connect"
    provisioned("number", "config", "+12125550100", "--no-call-connect")
    plain = await route(tmp_path / "sn.db", "+12125550178")
    assert dial_string(plain.rings) == "PJSIP/bob&PJSIP/+12125550103@trunk"
    assert forward_target(plain) == "PJSIP/+14155550123@trunk"


def test_voicemail_whisper_and_recording_are_stored_and_shown(provisioned: Run) -> None:
    shown = as_json(
        provisioned(
            "number",
            "config",
            "+12125550100",
            "--voicemail",
            "--whisper",
            "  Call from   the website ",
            "--record",
            "--record-consent",
            "This call is recorded.",
            "--json",
        )
    )
    assert shown["voicemail"] is True and shown["record"] is True
    assert shown["whisper"] == "Call from the website"  # spaces folded
    assert len(shown["whisper_prompt"]) == 16 and len(shown["consent_prompt"]) == 16
    handling = as_json(provisioned("number", "show", "+12125550100", "--json"))["call_handling"]
    assert handling["whisper_prompt"] == shown["whisper_prompt"]
    provisioned("number", "config", "+12125550100", "--no-whisper", "--no-record-consent")
    handling = as_json(provisioned("number", "show", "+12125550100", "--json"))["call_handling"]
    assert handling["whisper"] is None and handling["whisper_prompt"] is None
    assert handling["record_consent"] is None and handling["record"] is True  # others kept


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--whisper", "hi", "--no-whisper"], ["--whisper and --no-whisper contradict"]),
        (["--whisper", "x" * 201], ["the whisper must be 1-200 printable characters"]),
        (["--whisper", "   "], ["the whisper must be 1-200"]),
        (["--record-consent", "a\x07b"], ["the consent prompt must be 1-200 printable"]),
        (["--record-consent", "ok", "--no-record-consent"], ["contradict"]),
    ],
)
def test_prompt_errors(provisioned: Run, args: list[str], fragments: list[str]) -> None:
    assert_user_error(provisioned("number", "config", "+12125550100", *args, ok=False), *fragments)


def test_whisper_file_must_be_audio(provisioned: Run, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not audio")
    assert_user_error(
        provisioned("number", "config", "+12125550100", "--whisper-file", str(text), ok=False),
        "sox failed",
    )


async def test_media_is_named_only_when_recording_or_voicemail(
    provisioned: Run, tmp_path: Path
) -> None:
    plain = await route(tmp_path / "sn.db", "+12125550177")
    assert plain.media_id == "" and not plain.record and not plain.voicemail
    provisioned("number", "config", "+12125550100", "--voicemail")
    first = await route(tmp_path / "sn.db", "+12125550178")
    second = await route(tmp_path / "sn.db", "+12125550179")
    assert first.voicemail and not first.record
    assert re.fullmatch(r"[0-9a-f]{16}", first.media_id) and first.media_id != second.media_id


async def test_forward_together_rings_with_the_agents(provisioned: Run, tmp_path: Path) -> None:
    provisioned("number", "routing", "+12125550100", "--mode", "group", "--agents", "Bob")
    provisioned(
        "number",
        "config",
        "+12125550100",
        "--forward-to",
        "+14155550123",
        "--forward-when",
        "together",
    )
    routed = await route(tmp_path / "sn.db", "+12125550177")
    assert dial_string(routed.rings) == "PJSIP/bob&PJSIP/+14155550123@trunk"
    assert routed.forward == "+14155550123" and forward_target(routed) == ""  # no second stage


def forward_target(routed: calls.RoutedCall) -> str:
    """How the dialplan dials the second stage (through call connect if set), as before."""
    return target(routed.forward_ring) if routed.forward_ring else ""
