"""Secrets and recordings at rest: the database, its WAL, the rendered configuration and
the media directory are readable by their owner (and Asterisk's group) only."""

from __future__ import annotations

import grp
import os
import pwd
import stat
from pathlib import Path

import pytest

from lab.cli import invoke
from smartnumber import media
from smartnumber.storage.sqlite import SqliteStore
from tests.unit.conftest import Run, assert_user_error
from tests.unit.test_media import write_wav


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


DB_FILES = ("sn.db", "sn.db-wal", "sn.db-shm")


async def test_init_makes_the_database_and_its_wal_private(tmp_path: Path) -> None:
    db = tmp_path / "sn.db"
    invoke(db, "init")
    assert mode(db) == 0o600
    store = await SqliteStore.open(db)  # held open: its WAL and SHM files stay
    try:
        async with store.transaction() as repo:
            await repo.add_office("Main")
        for name in DB_FILES:
            assert mode(tmp_path / name) == 0o600, name
    finally:
        await store.close()


async def test_init_tightens_a_database_an_earlier_version_left_open(tmp_path: Path) -> None:
    db = tmp_path / "sn.db"
    invoke(db, "init")
    store = await SqliteStore.open(db)
    async with store.transaction() as repo:
        await repo.add_office("Main")
    for name in DB_FILES:
        (tmp_path / name).chmod(0o644)
    recordings = tmp_path / "media" / "recordings"
    write_wav(recordings / "rec-0123456789abcdef.wav", 1.0)
    (recordings / "rec-0123456789abcdef.wav").chmod(0o644)
    (tmp_path / "media").chmod(0o755)
    said = invoke(db, "init")
    for name in DB_FILES:
        assert mode(tmp_path / name) == 0o600, name
    await store.close()
    assert mode(tmp_path / "media") == 0o700 and mode(recordings) == 0o700
    assert mode(recordings / "rec-0123456789abcdef.wav") == 0o600
    assert "made 1 audio file(s)" in said.output


def test_rendered_files_hold_secrets_so_they_are_0640(provisioned: Run, tmp_path: Path) -> None:
    out = tmp_path / "rendered"
    provisioned("asterisk", "render", "--out", str(out))
    assert mode(out) == 0o750
    for name in ("extensions.conf", "pjsip.conf", "manager.conf"):
        assert mode(out / name) == 0o640, name
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left
    assert mode(tmp_path / "media") == 0o700


def test_render_gives_the_files_to_asterisks_owner(provisioned: Run, tmp_path: Path) -> None:
    me = f"{pwd.getpwuid(os.getuid()).pw_name}:{grp.getgrgid(os.getgid()).gr_name}"
    out = tmp_path / "rendered"
    provisioned("asterisk", "render", "--out", str(out), "--owner", me)
    assert (out / "pjsip.conf").stat().st_gid == os.getgid()
    assert mode(tmp_path / "media") == 0o2770  # shared with that group, setgid
    for owner, fragment in (("nosuchuser:root", "no user named"), ("root", "USER:GROUP")):
        refused = provisioned("asterisk", "render", "--out", str(out), "--owner", owner, ok=False)
        assert_user_error(refused, fragment)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give files away (CI runs as root)")
def test_render_as_root_gives_files_to_another_user(provisioned: Run, tmp_path: Path) -> None:
    out = tmp_path / "rendered"
    provisioned("settings", "set", "asterisk.owner", "root:nogroup")
    provisioned("asterisk", "render", "--out", str(out))
    assert (out / "manager.conf").stat().st_gid == grp.getgrnam("nogroup").gr_gid
    assert mode(out / "manager.conf") == 0o640


def test_prompts_are_private_unless_the_directory_is_shared(tmp_path: Path) -> None:
    media.create_dirs(tmp_path / "own")
    key = media.speak(tmp_path / "own", "Hello")
    assert mode(media.prompt_path(tmp_path / "own", key)) == 0o600


def test_a_whisper_file_named_like_a_pipe_is_only_a_file(provisioned: Run, tmp_path: Path) -> None:
    """sox reads a file name starting with '|' as a command to run: ours get a path."""
    marker = tmp_path / "pwned"
    hostile = "|touch pwned"
    os.chdir(tmp_path)  # where `touch pwned` would land
    write_wav(tmp_path / hostile, 1.0)
    said = provisioned("number", "config", "+12125550100", "--whisper-file", hostile, "--json")
    assert not marker.exists()
    assert '"whisper": "file: |touch' in said.output
