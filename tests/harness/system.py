"""A whole smartnumber system for one test: database, private Asterisk, SIP parties."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import Result

from smartnumber.instance import PrivateAsterisk
from smartnumber.sipp import SippParty, scenario

from .cli import invoke
from .ports import free_tcp_port, free_udp_port

TRUNK_ADDRESS = "127.0.0.2"


@dataclass
class System:
    root: Path
    settings: dict[str, str] = field(default_factory=dict)
    parties: list[SippParty] = field(default_factory=list)

    @property
    def db(self) -> Path:
        return self.root / "smartnumber.db"

    @property
    def instance(self) -> PrivateAsterisk:
        return PrivateAsterisk(self.root / "ast")

    @classmethod
    def create(cls) -> System:
        root = Path(tempfile.mkdtemp(prefix="sn-", dir="/tmp"))
        system = cls(root)
        system.cli("init")
        system.settings = {
            "sip.port": str(free_udp_port()),
            "ami.port": str(free_tcp_port()),
            "agi.port": str(free_tcp_port()),  # nothing listens here unless a test says so
            "trunk.host": TRUNK_ADDRESS,
            "trunk.port": str(free_udp_port(TRUNK_ADDRESS)),
            "rtp.start": "30000",
            "rtp.end": "30999",
        }
        for key, value in system.settings.items():
            system.cli("settings", "set", key, value)
        return system

    def cli(self, *args: str, ok: bool = True) -> Result:
        """Run `smartnumber --db <this db> ARGS` in-process; asserts exit 0 unless ok=False."""
        return invoke(self.db, *args, ok=ok)

    def start_asterisk(self) -> None:
        self.cli("asterisk", "start", "--dir", str(self.root / "ast"))

    def rx(self, command: str) -> str:
        return self.instance.rx(command)

    def ami_credentials(self) -> dict[str, Any]:
        import json

        values = json.loads(self.cli("settings", "show", "--json").output)
        return {
            "host": "127.0.0.1",
            "port": int(values["ami.port"]),
            "username": values["ami.username"],
            "secret": values["ami.secret"],
        }

    def caller(
        self, number: str, *, calls: int = 1, hold_ms: int = 200, caller_id: str = "+12125550123"
    ) -> SippParty:
        """A caller on the carrier trunk dialling one of our Smart Numbers."""
        party = SippParty(
            name=f"caller{len(self.parties)}",
            scenario=scenario("caller"),
            address=TRUNK_ADDRESS,
            port=int(self.settings["trunk.port"]),
            workdir=self.root / "sipp",
            remote=f"127.0.0.1:{self.settings['sip.port']}",
            service=number,
            variables={"caller": caller_id},
            calls=calls,
            hold_ms=hold_ms,
            timeout_s=20,
        )
        self.parties.append(party)
        return party

    def phone(self, address: str, port: int, *, calls: int = 1) -> SippParty:
        """An agent's SIP phone answering on address:port."""
        party = SippParty(
            name=f"phone-{address}",
            scenario=scenario("agent"),
            address=address,
            port=port,
            workdir=self.root / "sipp",
            calls=calls,
            timeout_s=20,
        )
        self.parties.append(party)
        return party

    def close(self) -> None:
        self.instance.stop()
        shutil.rmtree(self.root, ignore_errors=True)
