"""A whole smartnumber system for one test: database, private Asterisk, SIP parties."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from click.testing import Result

from lab.cli import invoke
from lab.ports import free_tcp_port, free_udp_port
from smartnumber.asterisk.instance import PrivateAsterisk
from smartnumber.demo.sipp import SippParty
from smartnumber.demo.trunk import Trunk

TRUNK_ADDRESS = "127.0.0.2"
WATCHER = ("test-watcher", "watcher-secret-for-tests-only")


@dataclass
class System:
    root: Path
    database: Path | str | None = None  # default: smartnumber.db in root; or postgresql://
    settings: dict[str, str] = field(default_factory=dict)
    parties: list[SippParty] = field(default_factory=list)
    _service: subprocess.Popen[bytes] | None = None
    _service_log: IO[bytes] | None = None
    _trunk: Trunk | None = None
    _api: subprocess.Popen[bytes] | None = None
    api_port: int = 0

    @property
    def db(self) -> Path | str:
        return self.database or self.root / "smartnumber.db"

    @property
    def media_dir(self) -> Path:
        return self.root / "media" if isinstance(self.db, str) else self.db.parent / "media"

    @property
    def instance(self) -> PrivateAsterisk:
        return PrivateAsterisk(self.root / "ast")

    @property
    def service_log_file(self) -> Path:
        return self.root / "serve.log"

    @property
    def api_log_file(self) -> Path:
        return self.root / "api.log"

    @classmethod
    def create(cls, database: Path | str | None = None) -> System:
        """A fresh system in a new temp dir; on `database` if given (e.g. a bench store,
        or a postgresql:// URL: then media live in the temp dir, as media.dir says)."""
        root = Path(tempfile.mkdtemp(prefix="sn-", dir="/tmp"))
        system = cls(root, database)
        if isinstance(database, str):
            system.cli("settings", "set", "media.dir", str(root / "media"))
        system.cli("init")
        system.settings = {
            "sip.port": str(free_udp_port()),
            "ami.port": str(free_tcp_port()),
            "agi.port": str(free_tcp_port()),  # nothing listens here unless a test says so
            "trunk.host": TRUNK_ADDRESS,
            "trunk.port": str(free_udp_port(TRUNK_ADDRESS)),
            "rtp.start": "30000",
            "rtp.end": "30999",
            # Tests text at whatever hour CI runs: around the clock, unless a test of
            # quiet hours sets its own window.
            "texting.window": "00:00-24:00",
            "texting.state_windows": "",
            # The tests' webhook receivers and stand-in carriers listen on loopback, which
            # egress refuses unless an admin allows it (tests of that refusal unset it).
            "egress.allow": "127.0.0.1",
        }
        for key, value in system.settings.items():
            system.cli("settings", "set", key, value)
        return system

    def set_secret(self, key: str, value: str) -> None:
        """`settings set KEY --from-file F` with F a 0600 file holding the value, as an
        admin gives a secret (never on the command line)."""
        path = self.root / f"secret-{key}"
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(value + "\n")
        self.cli("settings", "set", key, "--from-file", str(path))
        path.unlink()

    def cli(self, *args: str, ok: bool = True) -> Result:
        """Run `smartnumber --db <this db> ARGS` in-process; asserts exit 0 unless ok=False."""
        return invoke(self.db, *args, ok=ok)

    async def acli(self, *args: str, ok: bool = True) -> Result:
        """`cli` without blocking the test's event loop (for commands that take a while)."""
        return await asyncio.to_thread(invoke, self.db, *args, ok=ok)

    def start_asterisk(self) -> None:
        # A test-only AMI user that reads every event class (smartnumber's own users read
        # only what they need), through the manager-local.conf admins use for their own.
        etc = self.instance.dirs.etc
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "manager-local.conf").write_text(
            f"[{WATCHER[0]}]\nsecret={WATCHER[1]}\ndeny=0.0.0.0/0.0.0.0\n"
            "permit=127.0.0.0/8\nread=all\nwrite=\n"
        )
        self.cli("asterisk", "start", "--dir", str(self.root / "ast"))

    def watcher_credentials(self) -> dict[str, Any]:
        """The test watcher's AMI login: every event, no actions."""
        return {
            "host": "127.0.0.1",
            "port": int(self.settings["ami.port"]),
            "username": WATCHER[0],
            "secret": WATCHER[1],
        }

    def rx(self, command: str) -> str:
        return self.instance.rx(command)

    def reveal(self, key: str) -> str:
        """A setting's real value, secrets included (`settings show --reveal KEY`)."""
        return self.cli("settings", "show", "--reveal", key).output.strip()

    def ami_credentials(self, user: str = "cli") -> dict[str, Any]:
        """The AMI login of the CLI (`cli`: call events, Originate) or the routing service
        (`service`: user events only)."""
        prefix = "ami.cli_" if user == "cli" else "ami."
        return {
            "host": "127.0.0.1",
            "port": int(self.reveal("ami.port")),
            "username": self.reveal(f"{prefix}username"),
            "secret": self.reveal(f"{prefix}secret"),
        }

    @property
    def trunk(self) -> Trunk:
        """The parties around this system's Asterisk: callers and texters on the carrier's
        side of the trunk, the carrier itself, agents' phones."""
        if self._trunk is None:
            self._trunk = Trunk(
                self.root / "sipp",
                TRUNK_ADDRESS,
                int(self.settings["trunk.port"]),
                f"127.0.0.1:{self.settings['sip.port']}",
            )
        return self._trunk

    def _kept(self, party: SippParty) -> SippParty:
        self.parties.append(party)  # stopped when the test ends
        return party

    def caller(
        self,
        number: str,
        *,
        calls: int = 1,
        hold_ms: int = 200,
        caller_id: str = "+12125550123",
        scenario_name: str = "caller",
        timeout_s: int = 20,
    ) -> SippParty:
        """A caller on the carrier trunk dialling one of our Smart Numbers (`caller-speaks`:
        one who talks once answered)."""
        return self._kept(
            self.trunk.caller(
                number,
                caller_id,
                scenario_name=scenario_name,
                calls=calls,
                hold_ms=hold_ms,
                timeout_s=timeout_s,
            )
        )

    def texter(self, number: str, sender: str, body: str) -> SippParty:
        """Someone on the carrier's side texting one of our Smart Numbers."""
        return self._kept(self.trunk.texter(number, sender, body))

    def carrier(
        self,
        *,
        calls: int = 1,
        scenario_name: str | Path = "agent",
        hold_ms: int = 1000,
        timeout_s: int = 30,
    ) -> SippParty:
        """The carrier's side of the trunk: answers what Asterisk sends out (cells,
        forwarded calls) at the trunk's contact address; `scenario_name` says how."""
        return self._kept(
            self.trunk.carrier(
                scenario_name=scenario_name, calls=calls, hold_ms=hold_ms, timeout_s=timeout_s
            )
        )

    def inbox(self) -> SippParty:
        """The carrier taking every text smartnumber sends."""
        return self._kept(self.trunk.inbox())

    def phone(
        self, address: str, port: int, *, calls: int = 1, scenario_name: str = "agent"
    ) -> SippParty:
        """An agent's SIP phone on address:port: answers (`agent-rings`: never does)."""
        return self._kept(self.trunk.phone(address, port, scenario_name=scenario_name, calls=calls))

    def start_service(self, *flags: str, wait_for_ami: bool = True) -> None:
        """Run `smartnumber serve` as its own process, as an admin would."""
        assert self._service is None, "service already running"
        self._service_log = self.service_log_file.open("ab")
        self._service = subprocess.Popen(
            [sys.executable, "-m", "smartnumber", "--db", str(self.db), "serve", *flags],
            stdin=subprocess.DEVNULL,
            stdout=self._service_log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        port = int(self.settings["agi.port"])
        while not _tcp_open("127.0.0.1", port) or (
            wait_for_ami
            and not any(e.get("message") == "AMI connected" for e in self.service_log())
        ):
            assert self._service.poll() is None, f"serve exited: {self.service_log()}"
            assert time.monotonic() < deadline, f"serve not ready: {self.service_log()}"
            time.sleep(0.05)

    @property
    def service_pid(self) -> int | None:
        return self._service.pid if self._service is not None else None

    def stop_service(self) -> None:
        if self._service is None:
            return
        self._service.terminate()
        try:
            self._service.wait(10)
        except subprocess.TimeoutExpired:
            self._service.kill()
            self._service.wait()
        self._service = None
        if self._service_log:
            self._service_log.close()

    def kill_service(self) -> None:
        """SIGKILL: the service stops at once, writing nothing more, as a crash would."""
        assert self._service is not None, "no service running"
        self._service.kill()
        self._service.wait()
        self._service = None
        if self._service_log:
            self._service_log.close()

    def service_log(self) -> list[dict[str, Any]]:
        """The service's structured log lines so far."""
        return log_lines(self.service_log_file)

    def start_api(self) -> str:
        """Run `smartnumber api` on a free port as its own process; its base URL."""
        assert self._api is None, "api already running"
        self.api_port = free_tcp_port()
        log = self.api_log_file.open("ab")
        self._api = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smartnumber",
                "--db",
                str(self.db),
                "api",
                "--port",
                str(self.api_port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 15
        while not _tcp_open("127.0.0.1", self.api_port):
            assert self._api.poll() is None, f"api exited: {self.api_log()}"
            assert time.monotonic() < deadline, f"api not ready: {self.api_log()}"
            time.sleep(0.05)
        return self.api_url

    @property
    def api_pid(self) -> int | None:
        return self._api.pid if self._api is not None else None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def api_log(self) -> list[dict[str, Any]]:
        return log_lines(self.api_log_file)

    def stop_api(self) -> None:
        if self._api is None:
            return
        self._api.terminate()
        try:
            self._api.wait(10)
        except subprocess.TimeoutExpired:
            self._api.kill()
            self._api.wait()
        self._api = None

    def token(self, name: str, role: str, agent: str | None = None) -> str:
        """A new API token (`token create`), its secret."""
        extra = ["--agent", agent] if agent else []
        result = invoke(self.db, "token", "create", name, "--role", role, *extra)
        return result.stdout.strip().splitlines()[-1]

    def evidence(self, chars: int = 12_000) -> list[tuple[str, str]]:
        """The end of what each piece of this system logged (Asterisk, the service, the API,
        every sipp party's messages and errors), for a failed test's report."""
        files = [
            ("Asterisk messages.log", self.instance.dirs.log / "messages.log"),
            ("smartnumber serve log", self.service_log_file),
            ("smartnumber api log", self.api_log_file),
        ]
        for party in self.parties:
            files += [
                (f"sipp {party.name} messages", party.trace_file),
                (f"sipp {party.name} errors", party.error_file),
            ]
        shown = []
        for title, path in files:
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            shown.append((title, text[-chars:]))
        return shown

    def close(self) -> None:
        self.stop_api()
        self.stop_service()
        self.instance.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def _tcp_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def log_lines(path: Path) -> list[dict[str, Any]]:
    """A process's structured log lines so far (others kept as their message)."""
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            entries.append({"message": line})
    return entries
