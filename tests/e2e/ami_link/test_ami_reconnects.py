"""The service's AMI connection survives Asterisk restarts and notices a frozen Asterisk
through its ping deadline, reconnecting by itself each time."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from lab.system import System

pytestmark = pytest.mark.asterisk


def wait_for_log(system: System, message: str, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while sum(e.get("message") == message for e in system.service_log()) < count:
        assert time.monotonic() < deadline, (
            f"waited for {count} x {message!r}: {system.service_log()[-5:]}"
        )
        time.sleep(0.1)


def fast_pings(system: System) -> Path:
    config = system.root / "serve.toml"
    config.write_text("[ami]\nping_interval = 0.5\nping_timeout = 0.5\n")
    return config


def test_reconnects_after_asterisk_restarts(system: System) -> None:
    system.start_asterisk()
    system.start_service("--config", str(fast_pings(system)))
    system.instance.stop()
    wait_for_log(system, "AMI disconnected", 1)
    system.start_asterisk()
    wait_for_log(system, "AMI connected", 2)
    connected = [e for e in system.service_log() if e.get("message") == "AMI connected"]
    assert connected[-1]["connects"] == 2


def test_a_frozen_asterisk_is_noticed_by_the_ping_deadline(system: System) -> None:
    system.start_asterisk()
    system.start_service("--config", str(fast_pings(system)))
    pid = system.instance.pid()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # the socket stays open, but nothing answers
    try:
        wait_for_log(system, "AMI disconnected", 1)
        failures = [e for e in system.service_log() if e.get("message") == "AMI connection failed"]
        assert "no AMI pong within 0.5s" in failures[0]["error"]
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_for_log(system, "AMI connected", 2, timeout=40)
