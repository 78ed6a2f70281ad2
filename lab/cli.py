"""Run the smartnumber CLI in-process against a given database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from click.testing import CliRunner, Result

from smartnumber.cli import cli


def invoke(db: Path | str, *args: str, ok: bool = True) -> Result:
    """`smartnumber --db DB ARGS`; asserts exit 0 unless ok=False.

    It runs in a worker thread: the CLI starts its own event loop, which cannot nest
    inside an async test's loop.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(CliRunner().invoke, cli, ["--db", str(db), *args]).result()
    if ok:
        assert result.exit_code == 0, (
            f"smartnumber {' '.join(args)} -> {result.exit_code}: {result.output}"
            f"{result.exception!r}"
        )
    return result
