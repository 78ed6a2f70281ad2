"""Whisper: the answering party hears the number's message before being bridged; the
caller never does."""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path

import pytest

from lab.ami import Event, watch
from smartnumber import media
from tests.e2e.call_handling.conftest import configure, loudest_sample
from tests.e2e.conftest import Office

pytestmark = pytest.mark.asterisk

CALLER = "+12125550177"


def playbacks(events: list[Event]) -> list[Event]:
    return [
        e for e in events if e.get("Event") == "Newexten" and e.get("Application") == "Playback"
    ]


def tone(path: Path) -> Path:
    """An admin's own whisper: one second of 440 Hz at 16 kHz, stereo (sox converts it)."""
    samples = array.array(
        "h",
        (int(8000 * math.sin(2 * math.pi * 440 * i / 16000)) for i in range(16000) for _ in "LR"),
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(samples.tobytes())
    return path


@pytest.mark.parametrize("source", ["text", "file"])
async def test_whisper_plays_on_the_answering_leg_before_the_bridge(
    office: Office, stop_parties: None, tmp_path: Path, source: str
) -> None:
    option = (
        ["--whisper", "Call from the website. Be nice."]
        if source == "text"
        else ["--whisper-file", str(tone(tmp_path / "tone.wav"))]
    )
    handling = configure(office, *option)
    key = handling["whisper_prompt"]
    prompt = media.prompt_path(office.system.db.parent / "media", key)
    assert loudest_sample(prompt) > 1000  # spoken by espeak-ng, or the admin's tone

    async with watch(**office.system.watcher_credentials()) as ami:
        result = await office.call(CALLER)
        await ami.wait_for(
            lambda e: e.get("Event") == "Hangup" and e.get("Channel", "").startswith("PJSIP/trunk-")
        )

    assert result.caller.succeeded, result.caller.output
    assert result.answered == ["Alice"]  # the office number's fallback agent
    [played] = playbacks(ami.events)  # once, and not on the caller's channel
    assert played["Channel"].startswith("PJSIP/alice-")
    assert played["AppData"].endswith(f"/prompts/{key}")
    bridged = next(
        i
        for i, e in enumerate(ami.events)
        if e.get("Event") == "BridgeEnter" and e.get("Channel") == played["Channel"]
    )
    assert ami.events.index(played) < bridged  # heard before the caller was connected


async def test_without_whisper_nothing_is_played(office: Office, stop_parties: None) -> None:
    configure(office, "--no-whisper")
    async with watch(**office.system.watcher_credentials()) as ami:
        result = await office.call(CALLER)
        await ami.wait_for(
            lambda e: e.get("Event") == "Hangup" and e.get("Channel", "").startswith("PJSIP/trunk-")
        )
    assert result.answered == ["Alice"]
    assert playbacks(ami.events) == []
