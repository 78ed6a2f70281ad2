"""Helpers for call-handling tests: the number's settings, timeline entries, audio files."""

from __future__ import annotations

import array
import asyncio
import json
import wave
from pathlib import Path
from typing import Any

from tests.e2e.conftest import OFFICE_NUMBER, Office


def configure(office: Office, *options: str) -> dict[str, Any]:
    """`number config` the office number, start Asterisk and the service; the handling."""
    shown = office.system.cli("number", "config", OFFICE_NUMBER, *options, "--json").output
    office.system.start_asterisk()
    office.system.start_service()
    return dict(json.loads(shown))


async def timeline_entry(
    office: Office, number: str, kind: str, timeout: float = 10.0
) -> dict[str, Any]:
    """The newest entry of `kind` on the contact's timeline, once there."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = [e for e in office.timeline(number) if e["kind"] == kind]
        if found:
            return found[0]
        assert loop.time() < deadline, f"no {kind} on the timeline of {number}"
        await asyncio.sleep(0.2)


def recordings(office: Office, number: str) -> list[dict[str, Any]]:
    shown = office.system.cli("recording", "list", "--contact", number, "--json").output
    return list(json.loads(shown))


def loudest_sample(path: Path) -> int:
    """Peak absolute amplitude of a 16-bit WAV: G.711 silence decodes to a few dozen at
    most, speech to thousands."""
    with wave.open(str(path), "rb") as audio:
        assert audio.getsampwidth() == 2 and audio.getframerate() == 8000
        samples = array.array("h", audio.readframes(audio.getnframes()))
    return max((abs(s) for s in samples), default=0)
