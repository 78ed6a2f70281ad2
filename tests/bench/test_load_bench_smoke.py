"""The call-load benchmark at toy size through a real Asterisk, so it cannot rot.

Functional only: every call completes on both dialplans, post-dial delay is measured,
and the service holds every FastAGI session at once. Timing targets are judged from the
full run in docs/performance.md, never here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench import load

pytestmark = pytest.mark.asterisk


def test_load_bench_runs_both_dialplans(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    args = [
        "--contacts",
        "500",
        "--activities",
        "5000",
        "--rates",
        "5",
        "--seconds",
        "2",
        "--hold-ms",
        "200",
        "--sessions",
        "50",
        "--burst",
        "50",
        "--db",
        str(tmp_path),
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(load.main, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    runs = {run["dialplan"]: run for run in figures["runs"]}
    assert set(runs) == {"bare", "smartnumber"}
    for run in runs.values():
        assert (run["attempted"], run["completed"], run["failed"]) == (10, 10, 0)
        assert run["post_dial_delay"]["n"] == 10
        assert run["asterisk_memory"]["rss_mib"] > 0
    sessions = figures["agi_sessions"]
    assert sessions["held_at_once"] == 50
    assert sessions["statuses"] == {"OK": 50}
    burst = figures["burst"]  # how many are routed by rule is judged in the full run
    assert sum(burst["statuses"].values()) == 50 and set(burst["statuses"]) <= {"OK", "FALLBACK"}
    assert burst["answer_max_ms"] > 0 and burst["service_cpu_ms_per_call"] > 0
    for moment in ("after_sessions", "after_load"):
        assert figures["service_memory"][moment]["peak_rss_mib"] > 0


def test_load_bench_with_the_api_serving_beside(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    args = [
        "--contacts", "500", "--activities", "5000", "--rates", "5", "--seconds", "2",
        "--hold-ms", "200", "--sessions", "0", "--burst", "0", "--dialplan", "smartnumber",
        "--api-rps", "20", "--db", str(tmp_path), "--out", str(out),
    ]  # fmt: skip
    result = CliRunner().invoke(load.main, args)
    assert result.exit_code == 0, result.output
    [run] = json.loads(out.read_text())["runs"]
    assert (run["attempted"], run["completed"], run["failed"]) == (10, 10, 0)
    api = run["api_load"]
    assert api["sent"] > 0 and set(api["statuses"]) == {"200"}


def test_load_bench_on_postgres(tmp_path: Path) -> None:
    """The same store copied into a private PostgreSQL cluster, the service on it."""
    out = tmp_path / "load.json"
    args = [
        "--contacts", "500", "--activities", "5000", "--rates", "5", "--seconds", "2",
        "--hold-ms", "200", "--sessions", "0", "--burst", "20", "--dialplan", "smartnumber",
        "--postgres", "--db", str(tmp_path), "--out", str(out),
    ]  # fmt: skip
    result = CliRunner().invoke(load.main, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["database"] == "postgresql"
    [run] = figures["runs"]
    assert (run["attempted"], run["completed"], run["failed"]) == (10, 10, 0)
    assert sum(figures["burst"]["statuses"].values()) == 20
