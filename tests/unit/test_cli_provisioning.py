"""The provisioning CLI: every form, --json, and one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from smartnumber.cli import cli
from tests.unit.conftest import Run, as_json, assert_user_error


def test_commands_need_an_initialised_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "agent", "list"])
    assert_user_error(result, "no database", "smartnumber init")
    assert not (tmp_path / "none.db").exists()


def test_db_comes_from_the_environment(tmp_path: Path) -> None:
    env = {"SMARTNUMBER_DB": str(tmp_path / "env.db")}
    assert CliRunner().invoke(cli, ["init"], env=env).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_offices_and_teams(provisioned: Run) -> None:
    assert as_json(provisioned("office", "list", "--json")) == [
        {"name": "Main"},
        {"name": "Uptown"},
    ]
    assert as_json(provisioned("team", "list", "--json")) == [{"name": "Sales", "office": "Main"}]
    assert "Sales" in provisioned("team", "list").output
    assert_user_error(provisioned("office", "add", "Main", ok=False), "already exists")
    assert_user_error(
        provisioned("team", "add", "X", "--office", "Nowhere", ok=False),
        "no office named 'Nowhere'",
    )


def test_agents(provisioned: Run) -> None:
    agents = {a["name"]: a for a in as_json(provisioned("agent", "list", "--json"))}
    assert agents["Alice"] == {
        "name": "Alice",
        "cell": "+12125550101",
        "endpoint": "PJSIP/alice",
        "office": "Main",
        "team": "Sales",
        "active": True,
        "admin": True,
        "email": "alice@example.com",
        "sip_contact": None,
    }
    assert agents["Bob"]["cell"] == "+12125550102"
    assert "sip_password" not in agents["Alice"]  # never in lists

    shown = as_json(provisioned("agent", "show", "Alice", "--json"))
    assert shown["sip_password"] == "********"  # masked, --json too
    for name in ("Alice", "Bob"):  # a phone at a fixed address authenticates too
        revealed = as_json(provisioned("agent", "show", name, "--json", "--reveal"))
        assert re.fullmatch(r"[0-9a-f]{32}", revealed["sip_password"])
        assert revealed["sip_password"] not in provisioned("agent", "show", name).output
    assert "sip_password" not in as_json(provisioned("agent", "show", "Carol", "--json"))

    provisioned("agent", "deactivate", "Bob")
    assert as_json(provisioned("agent", "show", "Bob", "--json"))["active"] is False
    provisioned("agent", "activate", "Bob")
    assert as_json(provisioned("agent", "show", "Bob", "--json"))["active"] is True
    table = provisioned("agent", "list").output.splitlines()
    assert table[0].split()[:3] == ["NAME", "CELL", "ENDPOINT"]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["agent", "add", "Alice", "--cell", "2125550109"], ["already exists"]),
        (["agent", "add", "Dan", "--cell", "12"], ["'12'", "phone number"]),
        (["agent", "add", "Dan", "--cell", "2125550109", "--endpoint", "SIP/dan"], ["PJSIP/name"]),
        (
            ["agent", "add", "Dan", "--cell", "2125550109", "--endpoint", "PJSIP/x;y"],
            ["PJSIP/name"],
        ),
        (
            ["agent", "add", "Dan", "--cell", "2125550109", "--endpoint", "PJSIP/alice"],
            ["already belongs"],
        ),
        (
            ["agent", "add", "Dan", "--cell", "2125550109", "--endpoint", "PJSIP/trunk"],
            ["reserved"],
        ),
        (
            [
                "agent",
                "add",
                "Dan",
                "--cell",
                "2125550109",
                "--team",
                "Sales",
                "--office",
                "Uptown",
            ],
            ["not in office"],
        ),
        (["agent", "add", "Dan", "--cell", "2125550109", "--email", "nope"], ["email"]),
        (["agent", "add", "Dan\nx", "--cell", "2125550109"], ["printable"]),
        (["agent", "deactivate", "Nobody"], ["no agent named 'Nobody'"]),
        (["agent", "show", "Nobody"], ["no agent named"]),
    ],
)
def test_agent_errors(provisioned: Run, args: list[str], fragments: list[str]) -> None:
    assert_user_error(provisioned(*args, ok=False), *fragments)


def test_numbers(provisioned: Run) -> None:
    numbers = {n["number"]: n for n in as_json(provisioned("number", "list", "--json"))}
    assert numbers["+12125550100"]["scope"] == "office"
    assert numbers["+12125550110"]["owner"] == "Sales"
    assert numbers["+12125550120"] == {
        "number": "+12125550120",
        "scope": "personal",
        "owner": "Bob",
        "primary": True,
        "fallback_agent": None,
        "settings": {},
    }
    shown = as_json(provisioned("number", "show", "(212) 555-0100", "--json"))
    assert shown["fallback_destination"] == "Alice"  # the office's admin
    assert (
        as_json(provisioned("number", "show", "+12125550120", "--json"))["fallback_destination"]
        == "Bob"
    )  # a personal number falls back to its owner
    assert "fallback destination" in provisioned("number", "show", "+12125550120").output


def test_a_new_primary_personal_number_takes_over(provisioned: Run) -> None:
    provisioned(
        "number", "add", "+13125550121", "--scope", "personal", "--owner", "Bob", "--primary"
    )
    primaries = [
        n["number"] for n in as_json(provisioned("number", "list", "--json")) if n["primary"]
    ]
    assert primaries == ["+13125550121"]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (
            ["number", "add", "+12125550100", "--scope", "office", "--owner", "Main"],
            ["+12125550100 is already a Smart Number"],
        ),
        (
            ["number", "add", "+15551234567", "--scope", "office", "--owner", "Main"],
            ["not a valid phone number"],
        ),
        (
            ["number", "add", "+12125550130", "--scope", "team", "--owner", "Nope"],
            ["no team named"],
        ),
        (
            ["number", "add", "+12125550130", "--scope", "office", "--owner", "Main", "--primary"],
            ["only personal numbers"],
        ),
        (["number", "show", "+12125550199"], ["not a Smart Number"]),
    ],
)
def test_number_errors(provisioned: Run, args: list[str], fragments: list[str]) -> None:
    assert_user_error(provisioned(*args, ok=False), *fragments)


def test_outbound_number_hierarchy(provisioned: Run) -> None:
    def chosen(agent: str) -> dict[str, str]:
        return as_json(provisioned("outbound-number", agent, "--json"))

    assert chosen("Bob")["number"] == "+12125550120"  # personal
    assert chosen("Bob")["level"] == "personal"
    assert chosen("Alice")["number"] == "+12125550110"  # team
    assert chosen("Carol")["number"] is None  # Uptown has no number
    provisioned("number", "add", "+12125550140", "--scope", "office", "--owner", "Uptown")
    assert chosen("Carol") == {
        "agent": "Carol",
        "number": "+12125550140",
        "level": "office",
        "reason": "the agent's office number",
    }
    assert provisioned("outbound-number", "Bob").output.startswith("+12125550120 (")
    assert as_json(provisioned("agent", "show", "Bob", "--json"))["outbound_number"] == (
        "+12125550120"
    )


def test_outbound_number_errors(provisioned: Run) -> None:
    provisioned("agent", "add", "Dan", "--cell", "2125550109")
    assert_user_error(provisioned("outbound-number", "Dan", ok=False), "has no Smart Number")
    assert_user_error(provisioned("outbound-number", "Nobody", ok=False), "no agent named")


def test_settings(run: Run, tmp_path: Path) -> None:
    values = as_json(run("settings", "show", "--json"))
    assert values["agi.port"] == "4573"
    secrets = ("ami.secret", "ami.cli_secret", "agi.token")
    for key in secrets:
        assert values[key] == "********"  # masked for people and machines alike
        revealed = run("settings", "show", "--reveal", key).output.strip()
        assert re.fullmatch(r"[0-9a-f]{32}", revealed)  # generated once, kept
        assert revealed == run("settings", "show", "--reveal", key).output.strip()
        assert revealed not in run("settings", "show").output
    # A secret never comes on the command line: from a 0600 file, or typed at a prompt.
    on_argv = run("settings", "set", "ami.secret", "a-new-secret-of-24-chars", ok=False)
    assert_user_error(on_argv, "ami.secret is a secret", "--from-file")
    kept = tmp_path / "ami-secret"
    kept.touch(mode=0o600)
    kept.write_text("a-new-secret-of-24-chars\n")
    said = run("settings", "set", "ami.secret", "--from-file", str(kept))
    assert said.output.strip() == "ami.secret = ********"  # never echoed
    assert run("settings", "show", "--reveal", "ami.secret").output.strip() == (
        "a-new-secret-of-24-chars"
    )
    kept.chmod(0o644)
    assert_user_error(
        run("settings", "set", "ami.secret", "--from-file", str(kept), ok=False), "chmod 600"
    )
    typed = CliRunner().invoke(
        cli,
        ["--db", str(tmp_path / "sn.db"), "settings", "set", "smtp.password"],
        input="mail-password-of-24-chars\nmail-password-of-24-chars\n",
    )
    assert typed.exit_code == 0 and "mail-password-of-24-chars" not in typed.output
    assert run("settings", "show", "--reveal", "smtp.password").output.strip() == (
        "mail-password-of-24-chars"
    )
    kept.write_text("a\n")
    kept.chmod(0o600)
    assert_user_error(
        run("settings", "set", "ami.secret", "--from-file", str(kept), ok=False), "ami.secret", "16"
    )
    assert_user_error(run("settings", "show", "--reveal", "nope", ok=False), "unknown setting")
    run("settings", "set", "trunk.host", "10.1.2.3")
    assert as_json(run("settings", "show", "--json"))["trunk.host"] == "10.1.2.3"
    assert_user_error(run("settings", "set", "sip.port", "99999", ok=False), "sip.port")
    assert_user_error(run("settings", "set", "trunk.host", "a;b", ok=False), "trunk.host")
    assert_user_error(run("settings", "set", "nope", "1", ok=False), "unknown setting")
