"""Who owns the files smartnumber shares with Asterisk, and with which modes.

Rendered configuration holds the AMI secrets and SIP passwords: 0640, owned by the
setting `asterisk.owner` (USER:GROUP, e.g. root:asterisk) when Asterisk runs as another
user, so its group can read them and nobody else can. The media directory is written by
Asterisk (recordings) and read by it (prompts): 0700 when Asterisk runs as our own user,
else 2770 with Asterisk's group (setgid, so what Asterisk writes stays in that group).
"""

from __future__ import annotations

import grp
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError

CONFIG_FILE_MODE = 0o640
CONFIG_DIR_MODE = 0o750


@dataclass(frozen=True)
class Owner:
    """A user and group by number, named as the admin wrote them."""

    uid: int
    gid: int
    text: str

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        """USER:GROUP (names or numbers); None for '' (files stay the current user's)."""
        if not text:
            return None
        user, sep, group = text.partition(":")
        if not sep or not user or not group:
            raise UserError(f"owner {text!r} must be USER:GROUP, e.g. root:asterisk")
        return cls(_uid(user), _gid(group), text)


def _uid(user: str) -> int:
    if user.isdigit():
        return int(user)
    try:
        return pwd.getpwnam(user).pw_uid
    except KeyError:
        raise UserError(f"no user named {user!r} on this machine") from None


def _gid(group: str) -> int:
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise UserError(f"no group named {group!r} on this machine") from None


def give(path: Path, owner: Owner | None, mode: int, *, group_only: bool = False) -> None:
    """Set a file's mode, and its owner (or only its group) when one is configured."""
    if owner is not None:
        try:
            os.chown(path, -1 if group_only else owner.uid, owner.gid)
        except PermissionError:
            raise UserError(
                f"cannot give {path} to {owner.text}: only root can (or run as that user)"
            ) from None
    path.chmod(mode)


def media_dir_mode(owner: Owner | None) -> int:
    return 0o2770 if owner is not None else 0o700


def media_file_mode(owner: Owner | None) -> int:
    return 0o640 if owner is not None else 0o600
