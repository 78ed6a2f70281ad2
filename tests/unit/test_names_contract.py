"""The one contract between Python and the dialplan: every name that crosses is written
once, in smartnumber/asterisk/names.py, and both sides use exactly those.

The rendered files are read for what the dialplan uses (channel variables, contexts,
AGI routes, UserEvent fields, CDR variables); the code is read for string literals that
spell such a name instead of taking it from names.py.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from smartnumber.asterisk import names
from smartnumber.asterisk.agi.routes import ROUTES
from smartnumber.asterisk.dialplan import render
from smartnumber.calls import caller_id
from tests.unit.test_render import golden_context

PACKAGE = Path(__file__).resolve().parents[2] / "smartnumber"


@pytest.fixture
async def rendered(tmp_path: Path) -> dict[str, str]:
    data = await golden_context(tmp_path)
    data["settings"] = dict(data["settings"])
    env = render.environment()
    return {name: render.render(env, f"{name}.j2", data) for name in render.SYSTEM_FILES}


def dialplan_lines(text: str) -> list[str]:
    """The dialplan without its comments."""
    return [
        line.split(";", 1)[0] for line in text.splitlines() if not line.lstrip().startswith(";")
    ]


def test_every_channel_variable_the_dialplan_uses_is_named_once(rendered: dict[str, str]) -> None:
    used = set(
        re.findall(r"SMARTNUMBER_[A-Z_]+", "\n".join(dialplan_lines(rendered["extensions.conf"])))
    )
    defined = set(names.VARIABLES.values())
    assert used <= defined, f"used in the dialplan, not in names.py: {sorted(used - defined)}"
    assert defined <= used, f"in names.py, never used by the dialplan: {sorted(defined - used)}"


def test_every_context_is_defined_by_the_templates_and_only_those(
    rendered: dict[str, str],
) -> None:
    text = "\n".join(dialplan_lines(rendered["extensions.conf"]))
    sections = set(re.findall(r"^\[([^\]]+)\]", text, re.MULTILINE)) - {"general", "globals"}
    ours = {s for s in sections if not s.startswith(names.DID_CONTEXT_PREFIX)}
    assert ours == {c.value for c in names.Context}
    assert {s for s in sections if s.startswith(names.DID_CONTEXT_PREFIX)} == {
        names.did_context(n) for n in ("+12125550100", "+12125550110", "+12125550120")
    }
    # Everything the dialplan jumps to is one of ours.
    targets = set(re.findall(r"(?:Goto|Gosub|GotoIf\([^)]*\?)\(?(smartnumber-[a-z0-9-]+)", text))
    targets |= set(re.findall(r"[=U(]\(?(smartnumber-[a-z0-9-]+)[,)]", text))
    assert targets <= sections, sorted(targets - sections)


def test_agi_routes_are_the_route_table_and_the_dialplan_asks_for_them(
    rendered: dict[str, str],
) -> None:
    asked = set(re.findall(r"agi://[^/]+/([a-z]+)\?token=", rendered["extensions.conf"]))
    assert asked == {r.value for r in names.Route} == set(ROUTES)


def test_the_call_ended_user_event_carries_the_fields_the_code_reads(
    rendered: dict[str, str],
) -> None:
    [event] = re.findall(
        rf"UserEvent\({names.CALL_ENDED_EVENT},(.*)\)", rendered["extensions.conf"]
    )
    fields = tuple(re.findall(r"(?:^|,)([A-Za-z]+): ", event))
    assert fields == names.CALL_ENDED_FIELDS
    [verify] = re.findall(rf"UserEvent\({names.VERIFY_EVENT},(.*)\)", rendered["extensions.conf"])
    assert tuple(re.findall(r"(?:^|,)([A-Za-z]+): ", verify)) == names.VERIFY_FIELDS
    assert names.VERIFY_DIGITS == caller_id.CODE_DIGITS


def test_cdr_variables_are_set_by_the_dialplan_and_written_by_cdr_custom(
    rendered: dict[str, str],
) -> None:
    # by Set(CDR(x)=...), or as one of MSet(...)'s pairs (a read is ${CDR(x)}, no '=')
    pattern = r"[(,]CDR\(([a-z_]+)\)="
    set_by_dialplan = set(re.findall(pattern, rendered["extensions.conf"]))
    written = set(re.findall(r"\$\{CDR\(([a-z_]+)\)\}", rendered["cdr_custom.conf"]))
    ours = {c.value for c in names.Cdr}
    assert set_by_dialplan == ours and ours <= written
    assert rendered["cdr_custom.conf"].count(f"{names.CDR_FILE} =>") == 1


def test_the_trunk_and_transport_sections_are_the_names(rendered: dict[str, str]) -> None:
    sections = set(re.findall(r"^\[([^\]]+)\]", rendered["pjsip.conf"], re.MULTILINE))
    assert {names.TRUNK, names.TRANSPORT} <= sections


CROSSING = re.compile(
    r"^(SMARTNUMBER_[A-Z_]+|smartnumber-[a-z]+(-[a-z]+)*|Smartnumber[A-Za-z]+|sn_[a-z]+)$"
)
# Literals that look like a crossing name but are not one: they never reach the dialplan.
NOT_CROSSING = {
    "SMARTNUMBER_DB": "environment variable of the CLI",
    "SMARTNUMBER_ASTERISK_DIR": "environment variable of the CLI",
    "SMARTNUMBER_REGION": "environment variable of the CLI",
    "smartnumber-cli": "default name of the CLI's AMI user (a setting)",
}


def test_no_code_outside_names_py_spells_a_crossing_name() -> None:
    """A literal like "smartnumber-connect" or "SMARTNUMBER_CALL" in the code would be a
    second definition: everything must come from names.py."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "names.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and CROSSING.match(node.value) and node.value not in NOT_CROSSING:
                offenders.append(f"{path.relative_to(PACKAGE)}: {node.value}")
    assert offenders == []
