"""`smartnumber serve` configuration: database settings, then a TOML file, then flags.

Secrets never come from the command line (any local user can read /proc/*/cmdline) nor
from the TOML file itself: the AMI secret is the database's, or the content of a file
only its owner may read (`[ami] secret_file`, `--ami-secret-file`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..settings import is_loopback, read_secret_file


@dataclass(frozen=True)
class ServiceConfig:
    agi_bind: str = "127.0.0.1"
    agi_port: int = 4573
    agi_header_timeout: float = 5.0  # seconds for Asterisk's agi_* block
    agi_command_timeout: float = 5.0  # seconds for each answer to a command
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_username: str = "smartnumber"
    ami_secret: str = ""  # from the database or secret_file, never a flag
    ami_secret_file: str = ""
    ami_ping_interval: float = 10.0
    ami_ping_timeout: float = 5.0
    # A second less a margin: in a burst most calls are still routed by rule, and no caller
    # waits a second for the fallback when the store does not answer.
    routing_budget_ms: int = 800
    log_level: str = "info"
    agi_token: str = ""  # every FastAGI request must carry it (the database's agi.token)
    agi_allow_remote: bool = False  # agi.allow_remote: a bind off loopback is deliberate
    agi_session_timeout: float = 10.0  # seconds a whole FastAGI session may last
    agi_max_sessions: int = 2000  # beyond this, a new call is answered FALLBACK at once

    @classmethod
    def from_settings(cls, values: dict[str, str]) -> ServiceConfig:
        return cls(
            agi_bind=values["agi.host"],
            agi_port=int(values["agi.port"]),
            ami_host=values["ami.bind"],
            ami_port=int(values["ami.port"]),
            ami_username=values["ami.username"],
            ami_secret=values["ami.secret"],
            agi_token=values["agi.token"],
            agi_allow_remote=values["agi.allow_remote"] == "yes",
        )

    def with_file(self, path: Path) -> ServiceConfig:
        """Values from a TOML file: [agi] bind/port/..., [ami] ..., [routing], [log]."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UserError(f"cannot read {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{path}: {exc}") from None
        flat: dict[str, Any] = {}
        for section, values in data.items():
            if not isinstance(values, dict):
                raise UserError(f"{path}: {section!r} must be a [section]")
            for key, value in values.items():
                flat[f"{section}_{key}"] = value
        return self.with_values(flat, source=str(path))

    def with_values(self, values: dict[str, Any], source: str = "flags") -> ServiceConfig:
        """Override fields by name; type-checked against the defaults."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for name, value in values.items():
            if value is None:
                continue
            if name in ("ami_secret", "agi_token", "agi_allow_remote"):
                where = "[ami] secret_file" if name == "ami_secret" else "`smartnumber settings`"
                raise UserError(
                    f"{source}: {name.replace('_', '.', 1)} is not taken here; use {where}"
                )
            if name not in known:
                raise UserError(f"{source}: unknown setting {name.replace('_', '.', 1)!r}")
            wanted = type(getattr(self, name))
            if wanted is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, wanted) or isinstance(value, bool):
                raise UserError(f"{source}: {name.replace('_', '.', 1)} must be {wanted.__name__}")
            changes[name] = value
        if changes.get("ami_secret_file"):
            changes["ami_secret"] = read_secret_file(Path(changes["ami_secret_file"]))
        config = replace(self, **changes)
        config.check()
        return config

    def check(self) -> None:
        if not 1 <= self.routing_budget_ms <= 5000:
            raise UserError("routing budget must be 1-5000 ms")
        for name in ("agi_port", "ami_port"):
            if not 1 <= getattr(self, name) <= 65535:
                raise UserError(f"{name.replace('_', '.', 1)} must be a port number")
        if not 1 <= self.agi_max_sessions <= 100_000:
            raise UserError("agi.max_sessions must be 1-100000")
        if not 0.5 <= self.agi_session_timeout <= 300:
            raise UserError("agi.session_timeout must be 0.5-300 seconds")
        if not is_loopback(self.agi_bind) and not self.agi_allow_remote:
            raise UserError(
                f"FastAGI would listen on {self.agi_bind}, off loopback: anyone who reaches it"
                " could pose as Asterisk. If Asterisk runs on another host, run"
                " `smartnumber settings set agi.allow_remote yes` (requests must then carry"
                " agi.token) and keep the port firewalled"
            )
