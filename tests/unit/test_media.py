"""Prompts made by espeak-ng and sox, cached by what made them; recordings' lengths."""

from __future__ import annotations

import array
import asyncio
import wave
from pathlib import Path

import pytest

from smartnumber import media, storage
from smartnumber.errors import UserError
from tests.unit.conftest import Run, assert_user_error


def write_wav(path: Path, seconds: float, rate: int = 16000, channels: int = 2) -> None:
    frames = int(seconds * rate)
    samples = array.array("h", ((i * 37) % 20000 - 10000 for i in range(frames * channels)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())


def wav_format(path: Path) -> tuple[int, int, int]:
    with wave.open(str(path), "rb") as audio:
        return audio.getframerate(), audio.getnchannels(), audio.getsampwidth()


def test_spoken_prompts_are_made_once_per_text(tmp_path: Path) -> None:
    key = media.speak(tmp_path, "Call from the website")
    path = media.prompt_path(tmp_path, key)
    assert wav_format(path) == (8000, 1, 2)  # what Asterisk plays without transcoding
    assert 0.5 < media.wav_seconds(path) < 5
    made = path.stat().st_mtime_ns
    assert media.speak(tmp_path, "Call from the website") == key
    assert path.stat().st_mtime_ns == made  # cached, not spoken again
    assert media.speak(tmp_path, "Another message") != key


def test_text_starting_with_a_dash_is_spoken_not_parsed(tmp_path: Path) -> None:
    key = media.speak(tmp_path, "-w /tmp/evil.wav --help")
    assert media.wav_seconds(media.prompt_path(tmp_path, key)) > 0.5
    assert not Path("/tmp/evil.wav").exists()


def test_an_admins_audio_file_is_converted(tmp_path: Path) -> None:
    source = tmp_path / "hello.wav"
    write_wav(source, 2.0)
    key = media.import_audio(tmp_path / "media", source)
    path = media.prompt_path(tmp_path / "media", key)
    assert wav_format(path) == (8000, 1, 2)
    assert media.wav_seconds(path) == pytest.approx(2.0, abs=0.01)


def test_long_or_missing_audio_is_refused(tmp_path: Path) -> None:
    long = tmp_path / "long.wav"
    write_wav(long, 31.0, rate=8000, channels=1)
    with pytest.raises(UserError, match="the prompt lasts 31 s; at most 30 s"):
        media.import_audio(tmp_path, long)
    with pytest.raises(UserError, match="no audio file at"):
        media.import_audio(tmp_path, tmp_path / "nothing.wav")
    assert not list(media.prompt_dir(tmp_path).glob("*.wav"))


def test_prompt_keys_are_only_hex(tmp_path: Path) -> None:
    for bad in ("../../etc/passwd", "ABCDEF0123456789", "0123"):
        with pytest.raises(ValueError, match="not a prompt key"):
            media.prompt_path(tmp_path, bad)


def test_recorded_length_comes_from_the_size(tmp_path: Path) -> None:
    path = tmp_path / "rec.wav"
    path.write_bytes(b"\0" * (44 + 3 * 16000))  # header not finalised: size is what counts
    assert media.recorded_seconds(path) == 3.0


async def test_a_file_that_never_appears(tmp_path: Path) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await media.finished_file(tmp_path / "none.wav", wait=5, appear=0.3, poll=0.1) is None
    assert loop.time() - started < 1  # gave up once it failed to appear, not after `wait`
    there = tmp_path / "there.wav"
    there.write_bytes(b"x")
    assert await media.finished_file(there, wait=1, poll=0.1) == there


def test_media_directory_default_and_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "sn.db"
    assert media.directory({"media.dir": ""}, storage.home(db)) == tmp_path.resolve() / "media"
    assert media.directory({"media.dir": "/srv/media"}, storage.home(db)) == Path("/srv/media")
    assert storage.home(f"sqlite:///{db}") == tmp_path.resolve()
    monkeypatch.chdir(tmp_path / "..")
    # PostgreSQL has no file to stand beside: the current directory (README: set media.dir)
    assert storage.home("postgresql://sn@db.example/sn") == tmp_path.parent.resolve()


@pytest.mark.parametrize("value", ["relative/dir", "/srv/../etc", "/srv/media;evil", "/srv/a b"])
def test_media_dir_setting_is_a_plain_absolute_path(provisioned: Run, value: str) -> None:
    assert_user_error(
        provisioned("settings", "set", "media.dir", value, ok=False),
        "media.dir: must be empty or an absolute path",
    )
    provisioned("settings", "set", "media.dir", "/var/spool/asterisk/smartnumber/")
    shown = provisioned("settings", "show", "--json").output
    assert '"media.dir": "/var/spool/asterisk/smartnumber"' in shown
