"""`smartnumber serve` configuration: database settings, then a TOML file, then flags."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import UserError


@dataclass(frozen=True)
class ServiceConfig:
    agi_bind: str = "127.0.0.1"
    agi_port: int = 4573
    agi_header_timeout: float = 5.0  # seconds for Asterisk's agi_* block
    agi_command_timeout: float = 5.0  # seconds for each answer to a command
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_username: str = "smartnumber"
    ami_secret: str = ""
    ami_ping_interval: float = 10.0
    ami_ping_timeout: float = 5.0
    routing_budget_ms: int = 300
    log_level: str = "info"

    @classmethod
    def from_settings(cls, values: dict[str, str]) -> ServiceConfig:
        return cls(
            agi_bind=values["agi.host"],
            agi_port=int(values["agi.port"]),
            ami_host=values["ami.bind"],
            ami_port=int(values["ami.port"]),
            ami_username=values["ami.username"],
            ami_secret=values["ami.secret"],
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
            if name not in known:
                raise UserError(f"{source}: unknown setting {name.replace('_', '.', 1)!r}")
            wanted = type(getattr(self, name))
            if wanted is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, wanted) or isinstance(value, bool):
                raise UserError(f"{source}: {name.replace('_', '.', 1)} must be {wanted.__name__}")
            changes[name] = value
        config = replace(self, **changes)
        config.check()
        return config

    def check(self) -> None:
        if not 1 <= self.routing_budget_ms <= 5000:
            raise UserError("routing budget must be 1-5000 ms")
        for name in ("agi_port", "ami_port"):
            if not 1 <= getattr(self, name) <= 65535:
                raise UserError(f"{name.replace('_', '.', 1)} must be a port number")
