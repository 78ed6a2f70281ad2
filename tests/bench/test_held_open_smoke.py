"""bench.held_open at toy length, so it cannot rot (needs PostgreSQL, which the project's
scripts install). No timing is asserted: figures come from the full run in
docs/performance.md."""

from __future__ import annotations

from bench import held_open


async def test_held_open_bench_runs_and_reports(postgres_url: str) -> None:
    result = await held_open.run(postgres_url, 1.0)
    for phase in ("baseline", "held_open"):
        for measure in held_open.MEASURES:
            assert result[phase][f"{measure}_per_s"] > 0, (phase, measure, result)
    assert result["texts_kept"] > 0 and result["workers"] == 4
