"""A private Asterisk instance: its own directories and loopback ports, for demos and tests."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError
from . import names

MODULE_DIRS = ("/usr/lib/asterisk/modules", "/usr/lib64/asterisk/modules")
DATA_DIRS = ("/usr/share/asterisk", "/var/lib/asterisk")
# The control socket lives under run/; Unix socket paths are limited to 107 bytes.
_MAX_SOCKET_PATH = 100


def asterisk_binary() -> str:
    found = shutil.which("asterisk") or next(
        (p for p in ("/usr/sbin/asterisk", "/usr/local/sbin/asterisk") if os.access(p, os.X_OK)),
        None,
    )
    if found is None:
        raise UserError("asterisk is not installed; run `smartnumber asterisk install`")
    return found


def _first_dir(candidates: tuple[str, ...], what: str) -> str:
    for candidate in candidates:
        if Path(candidate).is_dir():
            return candidate
    raise UserError(f"cannot find Asterisk's {what} (looked in {', '.join(candidates)})")


@dataclass(frozen=True)
class InstanceDirs:
    root: Path

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def spool(self) -> Path:
        return self.root / "spool"

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def cdr_file(self) -> Path:
        """Where cdr_custom writes the CDR lines the routing service reads."""
        return self.log / "cdr-custom" / names.CDR_FILE

    @property
    def config(self) -> Path:
        return self.etc / "asterisk.conf"

    @property
    def pidfile(self) -> Path:
        return self.run / "asterisk.pid"

    @property
    def console_log(self) -> Path:
        return self.log / "console.out"

    def create(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        for d in (self.etc, self.run, self.log, self.spool, self.lib, self.cdr_file.parent):
            d.mkdir(mode=0o700, parents=True, exist_ok=True)
        socket = self.run / "asterisk.ctl"
        if len(str(socket)) > _MAX_SOCKET_PATH:
            raise UserError(f"instance directory path is too long for a socket: {self.root}")

    def template_context(self) -> dict[str, object]:
        return {
            "dirs": {
                "etc": self.etc,
                "run": self.run,
                "log": self.log,
                "spool": self.spool,
                "lib": self.lib,
            },
            "asterisk": {
                "moddir": _first_dir(MODULE_DIRS, "module directory"),
                "datadir": _first_dir(DATA_DIRS, "data directory"),
            },
        }


def system_rx(command: str, timeout: float = 10.0) -> str:
    """One Asterisk CLI command on the machine's own Asterisk (`asterisk -rx`)."""
    return _rx([asterisk_binary(), "-rx", command], command, timeout)


def _rx(argv: list[str], command: str, timeout: float) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise UserError(f"asterisk did not answer {command!r} within {timeout:.0f}s") from None
    if done.returncode != 0:
        raise UserError(f"asterisk CLI failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


class PrivateAsterisk:
    """Start, stop and talk to an Asterisk whose files all live under one directory."""

    def __init__(self, root: Path) -> None:
        self.dirs = InstanceDirs(root.resolve())

    def pid(self) -> int | None:
        """The pid of the running instance, or None."""
        try:
            pid = int(self.dirs.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        # A zombie child (ours, not yet reaped) is not running.
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            return pid
        return None if state == "Z" else pid

    def rx(self, command: str, timeout: float = 10.0) -> str:
        """Run one Asterisk CLI command on the instance and return its output."""
        return _rx(
            [asterisk_binary(), "-C", str(self.dirs.config), "-rx", command], command, timeout
        )

    def start(self, timeout: float = 30.0) -> int:
        """Start Asterisk (config must already be rendered into etc/); returns its pid."""
        if self.pid() is not None:
            raise UserError(f"an Asterisk is already running from {self.dirs.root}")
        if not self.dirs.config.exists():
            raise UserError(f"no rendered configuration in {self.dirs.etc}")
        self.dirs.create()
        with self.dirs.console_log.open("ab") as out:
            process = subprocess.Popen(
                [asterisk_binary(), "-C", str(self.dirs.config), "-f", "-n"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Recordings, voicemail, logs and astdb: readable by this user only.
                umask=0o077,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise UserError(f"asterisk exited at start-up; see {self.dirs.console_log}")
            try:
                self.rx("core waitfullybooted", timeout=5)
                return process.pid
            except UserError:
                time.sleep(0.2)
        process.kill()
        raise UserError(f"asterisk did not finish booting in {timeout:.0f}s")

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop the instance; False if it was not running."""
        pid = self.pid()
        if pid is None:
            return False
        try:
            self.rx("core stop now", timeout=5)
        except UserError:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.pid() is not None:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.1)
        return True

    def reload(self) -> None:
        """Re-read the rendered dialplan, PJSIP and manager configuration."""
        self.rx("dialplan reload")
        self.rx("module reload res_pjsip.so")
        self.rx("manager reload")
