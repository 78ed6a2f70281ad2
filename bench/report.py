"""Render docs/performance.md from the benchmark results in bench/results/.

python -m bench.report
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).parents[1]
RESULTS = ROOT / "bench" / "results"
TARGET = ROOT / "docs" / "performance.md"


def routing_section(r: dict[str, object]) -> list[str]:
    decision, incoming = r["decision"], r["incoming"]
    assert isinstance(decision, dict) and isinstance(incoming, dict)
    verdict = "met" if decision["p99_ms"] <= 5 else "**missed**"
    rules = r["rules"]
    assert isinstance(rules, dict)
    mix = ", ".join(f"{k} {v}" for k, v in sorted(rules.items()))
    seconds = r["build_seconds"]
    built = f"this run built the store in {seconds} s" if seconds else "the store was reused"
    return [
        "## Routing decision at scale (SQLite)",
        "",
        f"Store: {r['contacts']:,} contacts, {r['activities']:,} activities"
        f" ({r['store_mib']:,} MiB on disk). {r['callers']:,} random callers, 70% known"
        f" contacts and 30% unknown numbers; decisions by rule: {mix}.",
        "",
        "| measure | p50 | p95 | p99 | max | samples |",
        "|---|---|---|---|---|---|",
        f"| decision (storage lookup + rules, as `route explain`) | {decision['p50_ms']} ms"
        f" | {decision['p95_ms']} ms | {decision['p99_ms']} ms | {decision['max_ms']} ms"
        f" | {decision['n']:,} |",
        f"| incoming call (decision + lead, turn and timeline write, committed)"
        f" | {incoming['p50_ms']} ms | {incoming['p95_ms']} ms | {incoming['p99_ms']} ms"
        f" | {incoming['max_ms']} ms | {incoming['n']:,} |",
        "",
        f"Target: decision p99 ≤ 5 ms — {verdict}. Peak RSS of the benchmark process:"
        f" {r['max_rss_mib']} MiB ({built}).",
        "",
        f"Measured {r['date']}. Reproduce (the first run builds the store):",
        "",
        f"    {r['command']}",
        "",
    ]


def main() -> None:
    lines = [
        "# Performance",
        "",
        "Figures written by `python -m bench.report` from `bench/results/*.json`;"
        " each section says the command that produced it. See `bench/README.md`.",
        "",
    ]
    routing = RESULTS / "routing.json"
    if routing.exists():
        r = json.loads(routing.read_text())
        m = r["machine"]
        lines += [
            f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']},"
            f" SQLite {m['sqlite']}; {m['os']}.",
            "",
            *routing_section(r),
        ]
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text("\n".join(lines))
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
