"""`asterisk check`: the rules that tell an admin what strangers could reach."""

from __future__ import annotations

from pathlib import Path

from smartnumber.asterisk.check import (
    DANGER,
    WARNING,
    Endpoint,
    check_files,
    endpoint_findings,
    module_findings,
    pjsip_facts,
)
from tests.unit.conftest import Run

OPEN_PJSIP = """
[global]
type=global
endpoint_identifier_order=ip,username

[trunk]
type=endpoint
context=from-trunk

[office-phone]
type=endpoint
identify_by=ip
context=phones

[office-phone-identify]
type=identify
endpoint=office-phone
match=192.0.2.10

[alice]
type=endpoint
auth=alice-auth
context=phones

[tmpl](!)
type=endpoint
"""


def test_a_passwordless_endpoint_matched_by_name_is_open() -> None:
    endpoints, order = pjsip_facts(OPEN_PJSIP)
    found = {(f.subject, f.severity) for f in endpoint_findings(endpoints, order, "pjsip.conf")}
    assert found == {("endpoint trunk", DANGER), ("endpoint office-phone", WARNING)}


def test_anonymous_is_open() -> None:
    found = endpoint_findings([Endpoint("anonymous")], ["ip", "anonymous"], "x")
    assert [(f.subject, f.severity) for f in found] == [
        ("pjsip global", DANGER),
        ("endpoint anonymous", DANGER),
    ]


def test_an_ip_endpoint_with_an_acl_or_any_endpoint_with_a_password_is_closed() -> None:
    closed = [
        Endpoint("trunk", frozenset({"ip"}), matches=["198.51.100.7"], acl=True),
        Endpoint("bob", frozenset({"username"}), auth=True),
    ]
    assert endpoint_findings(closed, ["ip", "username"], "x") == []


def test_risky_modules() -> None:
    found = module_findings(["app_dial", "app_chanspy", "chan_sip"], "x")
    assert [(f.subject, f.severity) for f in found] == [
        ("module app_chanspy", DANGER),
        ("module chan_sip", WARNING),
    ]


def test_what_smartnumber_renders_is_closed(provisioned: Run, tmp_path: Path) -> None:
    out = tmp_path / "rendered"
    provisioned("asterisk", "render", "--out", str(out))
    assert check_files(out) == []
    (out / "pjsip.conf").write_text(OPEN_PJSIP)
    refused = provisioned("asterisk", "check", "--conf", str(out), ok=False)
    assert refused.exit_code == 1
    assert "endpoint trunk" in refused.output and "pose as it" in refused.output
