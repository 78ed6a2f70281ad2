"""`smartnumber serve` refuses bad configuration and busy ports in one line."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.unit.conftest import Run


def serve(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smartnumber", "--db", str(db), "serve", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_busy_port(run: Run, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = serve(tmp_path / "sn.db", "--agi-port", str(port))
    assert done.returncode == 1
    assert f"cannot serve FastAGI on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_config(run: Run, tmp_path: Path) -> None:
    config = tmp_path / "serve.toml"
    config.write_text("[routing]\nbudget_ms = 99999\n")
    done = serve(tmp_path / "sn.db", "--config", str(config))
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: routing budget must be 1-5000 ms"


def test_a_fastagi_bind_off_loopback_is_refused(run: Run, tmp_path: Path) -> None:
    done = serve(tmp_path / "sn.db", "--agi-bind", "0.0.0.0")
    assert done.returncode == 1
    assert "off loopback" in done.stderr and "agi.allow_remote" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_no_secret_on_the_command_line(run: Run, tmp_path: Path) -> None:
    done = serve(tmp_path / "sn.db", "--ami-secret", "visible-in-proc-cmdline")
    assert done.returncode == 2 and "No such option" in done.stderr


def test_a_media_directory_that_cannot_be_made_ends_in_one_line(run: Run, tmp_path: Path) -> None:
    """Once, this hung forever ignoring SIGTERM; now it names the cause and exits."""
    (tmp_path / "in-the-way").write_text("a file where a directory should be")
    run("settings", "set", "media.dir", str(tmp_path / "in-the-way" / "media"))
    done = serve(tmp_path / "sn.db", "--agi-port", str(free_port()))
    assert done.returncode == 1, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "cannot start: the media directory" in line and "media.dir" in line


def test_sigterm_stops_a_running_service(run: Run, tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "smartnumber", "--db", str(tmp_path / "sn.db"), "serve",
         "--agi-port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        for line in process.stdout:  # wait for what we assert: it says it is serving
            if '"serving"' in line:
                break
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
