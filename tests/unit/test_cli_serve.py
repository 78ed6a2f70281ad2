"""`smartnumber serve` refuses bad configuration and busy ports in one line."""

from __future__ import annotations

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
