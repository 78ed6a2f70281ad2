"""`smartnumber serve` configuration: settings, then the TOML file, then flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartnumber.errors import UserError
from smartnumber.service.config import ServiceConfig

SETTINGS = {
    "agi.host": "127.0.0.1",
    "agi.port": "4573",
    "ami.bind": "127.0.0.1",
    "ami.port": "5038",
    "ami.username": "sn",
    "ami.secret": "s3cret-s3cret-s3cret",
    "agi.token": "0123456789abcdef0123456789abcdef",
    "agi.allow_remote": "no",
}


def test_the_shipped_example_file_loads() -> None:
    example = Path(__file__).parents[2] / "contrib" / "serve.toml"
    config = ServiceConfig.from_settings(SETTINGS).with_file(example)
    assert config.routing_budget_ms == 800
    assert config.ami_secret == "s3cret-s3cret-s3cret"  # not in the file: the database's


def test_file_then_flags(tmp_path: Path) -> None:
    path = tmp_path / "serve.toml"
    path.write_text("[agi]\nport = 14573\n[routing]\nbudget_ms = 150\n[ami]\nping_timeout = 2\n")
    config = ServiceConfig.from_settings(SETTINGS).with_file(path)
    assert (config.agi_port, config.routing_budget_ms, config.ami_ping_timeout) == (14573, 150, 2.0)
    config = config.with_values({"agi_port": 24573, "ami_host": None})
    assert config.agi_port == 24573 and config.ami_host == "127.0.0.1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[agi]\nprot = 1\n", "unknown setting 'agi.prot'"),
        ("[agi]\nport = 'x'\n", "agi.port must be int"),
        ("[routing]\nbudget_ms = 0\n", "budget must be 1-5000 ms"),
        ("agi = 1\n", "must be a [section]"),
        ("[agi\n", "serve.toml"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "serve.toml"
    path.write_text(text)
    with pytest.raises(UserError, match=message.replace("[", r"\[")):
        ServiceConfig.from_settings(SETTINGS).with_file(path)


def test_the_ami_secret_comes_from_a_private_file_never_a_flag(tmp_path: Path) -> None:
    secret = tmp_path / "ami.secret"
    secret.write_text("from-a-file-0123456789\n")
    secret.chmod(0o600)
    config = ServiceConfig.from_settings(SETTINGS).with_values({"ami_secret_file": str(secret)})
    assert config.ami_secret == "from-a-file-0123456789"
    secret.chmod(0o640)
    with pytest.raises(UserError, match="readable by others"):
        ServiceConfig.from_settings(SETTINGS).with_values({"ami_secret_file": str(secret)})
    path = tmp_path / "serve.toml"
    path.write_text('[ami]\nsecret = "in-the-config-file"\n')
    with pytest.raises(UserError, match="secret_file"):
        ServiceConfig.from_settings(SETTINGS).with_file(path)


def test_a_fastagi_bind_off_loopback_must_be_allowed_explicitly() -> None:
    with pytest.raises(UserError, match="off loopback"):
        ServiceConfig.from_settings(SETTINGS).with_values({"agi_bind": "0.0.0.0"})
    allowed = ServiceConfig.from_settings(SETTINGS | {"agi.allow_remote": "yes"})
    assert allowed.with_values({"agi_bind": "0.0.0.0"}).agi_bind == "0.0.0.0"
