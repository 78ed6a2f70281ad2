"""The PostgreSQL benchmark at toy size, so it cannot rot (a private cluster of its own).
No timing is asserted here: figures come from the full run in docs/performance.md."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bench import postgres


def test_postgres_bench_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "postgres.json"
    args = ["--contacts", "600", "--activities", "6000", "--callers", "300", "--texts", "400"]
    result = CliRunner().invoke(postgres.main, [*args, "--db", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    for part in ("decision_sqlite", "decision_postgres", "driver_psycopg_pipelined"):
        d = figures[part]
        assert 0 < d["p50_ms"] <= d["p99_ms"] <= d["max_ms"], (part, d)
    assert figures["trips_per_decision"] == 1  # the decision reads all it needs at once
    assert figures["statements_per_decision"] > 1
    assert figures["claims"]["texts"] == 400
