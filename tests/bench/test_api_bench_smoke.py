"""The API benchmark at toy size, so it cannot rot. No timing is asserted here: figures
come from the full run documented in docs/performance.md."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bench import api


def test_api_bench_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "api.json"
    result = CliRunner().invoke(
        api.main,
        [
            "--contacts", "600", "--activities", "6000", "--reads", "50", "--batches", "2",
            "--events", "200", "--db", str(tmp_path), "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert 0 < figures["timeline"]["p50_ms"] <= figures["timeline"]["p99_ms"]
    assert figures["timeline"]["n"] == 50
    assert figures["upsert"]["create"]["contacts"] == 2000
    assert figures["upsert"]["update"]["contacts_per_second"] > 0
    hooks = figures["webhooks"]
    assert hooks["events"] == hooks["unique"] == 200 and hooks["unverified"] == 0
