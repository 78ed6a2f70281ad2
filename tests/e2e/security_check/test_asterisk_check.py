"""`smartnumber asterisk check` against a running Asterisk: what smartnumber renders is
closed; an endpoint or a module an admin adds that opens a door is reported (exit 1)."""

from __future__ import annotations

import json

import pytest

from lab.system import System

pytestmark = pytest.mark.asterisk


def check(system: System, *, ok: bool = True) -> dict:
    done = system.cli("asterisk", "check", "--dir", str(system.root / "ast"), "--json", ok=ok)
    return dict(json.loads(done.output))


def test_the_running_asterisk_is_checked_and_doors_are_reported(system: System) -> None:
    system.cli("office", "add", "Main")
    system.cli("agent", "add", "Alice", "--cell", "+12125550101", "--office", "Main",
               "--endpoint", "PJSIP/alice")  # fmt: skip
    system.start_asterisk()
    clean = check(system)
    assert clean["live"] is True
    # Only the tests' own watcher (read=all, through manager-local.conf) is worth a look.
    assert [(f["severity"], f["subject"]) for f in clean["findings"]] == [
        ("warning", "AMI user test-watcher")
    ]

    # An admin loads ChanSpy, and adds an endpoint with no password (as used to be
    # done for a trunk) straight into the running configuration.
    system.rx("module load app_chanspy.so")
    pjsip = system.instance.dirs.etc / "pjsip.conf"
    pjsip.write_text(
        pjsip.read_text() + "\n[legacy-pbx]\ntype=endpoint\ncontext=smartnumber-agents\n"
    )
    system.rx("module reload res_pjsip.so")
    report = check(system, ok=False)
    found = {(f["subject"], f["source"]) for f in report["findings"]}
    assert ("module app_chanspy", "running Asterisk") in found
    assert ("endpoint legacy-pbx", "running Asterisk") in found
    assert ("endpoint legacy-pbx", str(pjsip)) in found  # the file says so too
