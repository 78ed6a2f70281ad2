"""Rendering Asterisk configuration: golden files through the production environment."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smartnumber import settings
from smartnumber.asterisk.dialplan import context, filters, render
from smartnumber.directory import numbers, organisation
from smartnumber.errors import UserError
from smartnumber.storage.repository import NewAgent
from smartnumber.storage.sqlite import SqliteStore

GOLDEN = Path(__file__).parent / "golden"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


async def golden_context(tmp_path: Path) -> dict:
    store = await SqliteStore.open(tmp_path / "g.db")
    try:
        async with store.transaction() as repo:
            await settings.ensure_defaults(repo)
            await settings.set_value(repo, "ami.secret", "golden-ami-secret-0001")
            await settings.set_value(repo, "ami.cli_secret", "golden-ami-secret-0002")
            await settings.set_value(repo, "agi.token", "golden-agi-token-00003")
            await settings.set_value(repo, "trunk.host", "198.51.100.7")
            await settings.set_value(repo, "media.dir", "/var/spool/asterisk/smartnumber")
            await organisation.add_office(repo, "Main")
            await organisation.add_team(repo, "Sales", "Main")
            await repo.add_agent(
                NewAgent(
                    "Alice",
                    "+12125550101",
                    "PJSIP/alice",
                    1,
                    1,
                    admin=True,
                    sip_secret="alice-pass",
                )
            )
            await repo.add_agent(
                NewAgent(
                    "Bob",
                    "+12125550102",
                    "PJSIP/bob",
                    1,
                    sip_contact="sip:127.0.0.4:5060",
                    sip_secret="bob-pass",
                )
            )
            await organisation.add_agent(repo, "Carol", "+12125550103", office_name="Main")
            await numbers.add_number(repo, "+12125550100", "office", "Main")
            await numbers.add_number(repo, "+12125550110", "team", "Sales", fallback="Carol")
            await numbers.add_number(repo, "+12125550120", "personal", "Bob")
            return await context.build(repo, tmp_path / "g.db")
    finally:
        await store.close()


async def test_rendered_files_match_golden(tmp_path: Path) -> None:
    data = await golden_context(tmp_path)
    written = render.write_files(render.environment(), tmp_path / "out", data)
    assert [p.name for p in written] == list(render.SYSTEM_FILES)
    for path in written:
        golden = GOLDEN / path.name
        if os.environ.get("SMARTNUMBER_UPDATE_GOLDEN"):
            golden.write_text(path.read_text())
        assert path.read_text() == golden.read_text(), f"{path.name} differs from golden"
        assert path.stat().st_mode & 0o777 == 0o640  # holds secrets


async def test_fallbacks_in_the_dialplan(tmp_path: Path) -> None:
    data = await golden_context(tmp_path)
    by_number = {n.e164: n for n in data["numbers"]}
    assert by_number["+12125550100"].fallback_dial == "PJSIP/alice"  # office admin
    assert by_number["+12125550110"].fallback_dial == "PJSIP/+12125550103@trunk"  # Carol's cell
    assert by_number["+12125550120"].fallback_dial == "PJSIP/bob"  # the owner


async def test_admin_override_wins_and_others_fall_back(tmp_path: Path) -> None:
    overrides = tmp_path / "mine"
    overrides.mkdir()
    (overrides / "manager.conf.j2").write_text("; mine {{ settings['ami.port'] }}\n")
    data = await golden_context(tmp_path)
    render.write_files(render.environment(overrides), tmp_path / "out", data)
    assert (tmp_path / "out" / "manager.conf").read_text() == "; mine 5038\n"
    assert "[smartnumber-from-trunk]" in (tmp_path / "out" / "extensions.conf").read_text()


async def test_undefined_names_in_a_template_are_an_error(tmp_path: Path) -> None:
    overrides = tmp_path / "mine"
    overrides.mkdir()
    (overrides / "pjsip.conf.j2").write_text("{{ no_such_thing }}\n")
    data = await golden_context(tmp_path)
    with pytest.raises(UserError, match=re.escape("pjsip.conf.j2: 'no_such_thing' is undefined")):
        render.write_files(render.environment(overrides), tmp_path / "out", data)
    assert not (tmp_path / "out" / "extensions.conf").exists()  # nothing half-written


def test_missing_override_directory() -> None:
    with pytest.raises(UserError, match="does not exist"):
        render.environment(Path("/nonexistent/templates"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("dial", "PJSIP/alice,30"),
        ("dial", "PJSIP/alice&Local/s@default"),
        ("dial", "PJSIP/+1212555010x@trunk"),
        ("dial", "PJSIP/alice)"),
        ("section", "alice]\n[evil"),
        ("section", "a b"),
        ("e164", "12125550100"),
        ("e164", "+1212;555"),
        ("conf_value", "secret\nwrite=all"),
        ("conf_value", "x;comment"),
    ],
)
def test_filters_refuse_unsafe_values(name: str, value: str) -> None:
    with pytest.raises(filters.UnsafeValue):
        filters.FILTERS[name](value)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("dial", "PJSIP/alice", "PJSIP/alice"),
        ("dial", "PJSIP/alice&PJSIP/+12125550103@trunk", "PJSIP/alice&PJSIP/+12125550103@trunk"),
        ("comment", "Eve\n[evil]\r", "Eve [evil] "),
        ("dialplan_arg", "a,b $(x) ;c", r"a\,b \$\(x\) \;c"),
    ],
)
def test_filters_pass_safe_values(name: str, value: str, expected: str) -> None:
    assert filters.FILTERS[name](value) == expected


async def test_instance_files_point_into_the_instance(tmp_path: Path) -> None:
    from smartnumber.asterisk.instance import InstanceDirs

    data = await golden_context(tmp_path)
    dirs = InstanceDirs(tmp_path / "inst")
    data.update(dirs.template_context())
    render.write_files(render.environment(), dirs.etc, data, instance=True)
    conf = (dirs.etc / "asterisk.conf").read_text()
    assert f"astrundir => {dirs.run}" in conf
    assert f"astspooldir => {dirs.spool}" in conf
    modules = (dirs.etc / "modules.conf").read_text()
    assert "autoload = no" in modules and "load => chan_pjsip.so" in modules


async def test_ipv6_addresses_are_bracketed_where_a_port_follows(tmp_path: Path) -> None:
    data = await golden_context(tmp_path)
    data["settings"] = dict(data["settings"]) | {"sip.bind": "::1", "trunk.host": "2001:db8::7"}
    pjsip = render.render(render.environment(), "pjsip.conf.j2", data)
    assert "bind=[::1]:5060" in pjsip
    assert "contact=sip:[2001:db8::7]:5060" in pjsip
    assert filters.hostport("127.0.0.1", "5060") == "127.0.0.1:5060"
    assert filters.uri_host("::1") == "[::1]"
