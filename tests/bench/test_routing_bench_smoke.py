"""The routing benchmark at toy size, so it cannot rot. No timing is asserted here:
figures come from the full run documented in docs/performance.md."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bench import dataset, routing


def test_phone_numbers_are_distinct_and_valid() -> None:
    from smartnumber import phone

    numbers = [dataset.phone_of(i) for i in range(0, 1_000_000, 997)]
    assert len(set(numbers)) == len(numbers)
    assert all(phone.to_e164(n) == n for n in numbers[:50])
    assert phone.to_e164(dataset.unknown_phone(12345)) == dataset.unknown_phone(12345)


def test_routing_bench_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "routing.json"
    result = CliRunner().invoke(
        routing.main,
        [
            "--contacts",
            "600",
            "--activities",
            "6000",
            "--callers",
            "300",
            "--db",
            str(tmp_path),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["contacts"] == 600 and figures["activities"] == 6000
    for part in ("decision", "incoming"):
        assert 0 < figures[part]["p50_ms"] <= figures[part]["p99_ms"] <= figures[part]["max_ms"]
    assert figures["decision"]["n"] == 300
    # known and unknown callers exercise every rule of a shared number
    assert set(figures["rules"]) == {
        "number-routing",
        "recent-call-or-text",
        "recent-outbound-activity",
    }
