"""`smartnumber migrate`: an installation moved from SQLite to PostgreSQL (and back),
everything copied, a non-empty target refused, a failure leaving the target as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lab.cli import invoke
from lab.postgres import Cluster
from smartnumber.storage.copy import TABLES


def _demo(tmp_path: Path) -> Path:
    db = tmp_path / "sn.db"
    invoke(db, "init")
    invoke(db, "demo", "load")
    invoke(db, "text", "inject", "--from", "+12125550150", "--to", "+12125550100", "STOP")
    return db


def _shown(db: Path | str) -> list[str]:
    """What an admin reads of an installation: contacts, agents, numbers, settings."""
    return [
        invoke(db, *args).output
        for args in (
            ("contact", "list"),
            ("agent", "list"),
            ("number", "list"),
            ("settings", "show"),
            ("contact", "show", "+12125550150"),
        )
    ]


def test_every_table_of_both_schemas_is_copied(tmp_path: Path, postgres_cluster: Cluster) -> None:
    db = tmp_path / "empty.db"
    invoke(db, "init")
    with sqlite3.connect(db) as conn:
        in_sqlite = {
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] != "schema_migrations"
        }
    in_postgres = set(
        postgres_cluster.psql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            " AND table_name != 'schema_migrations'",
            database="smartnumber_template",
        ).split()
    )
    assert in_sqlite == in_postgres == set(TABLES)


def test_an_installation_moves_to_postgresql_whole(tmp_path: Path, postgres_url: str) -> None:
    db = _demo(tmp_path)
    before = _shown(db)

    moved = invoke(db, "migrate", f"sqlite:///{db}", postgres_url)

    assert "MISMATCH" not in moved.output
    assert "contacts" in moved.output and "copied " in moved.output
    assert _shown(postgres_url) == before
    assert _shown(db) == before  # the source is only read
    # the STOP came along: the opted-out lead stays out on the new database
    assert "unsubscribed" in invoke(postgres_url, "contact", "show", "+12125550150").output
    # new rows get new ids after the copied ones
    invoke(postgres_url, "office", "add", "Branch")
    assert "Branch" in invoke(postgres_url, "office", "list").output


def test_a_target_with_data_is_refused_unless_replaced(tmp_path: Path, postgres_url: str) -> None:
    db = _demo(tmp_path)
    invoke(postgres_url, "office", "add", "Somewhere else")

    refused = invoke(db, "migrate", str(db), postgres_url, ok=False)

    assert refused.exit_code == 1
    assert "the target database is not empty: offices (1)" in refused.output
    assert "--replace" in refused.output
    assert "Somewhere else" in invoke(postgres_url, "office", "list").output

    invoke(db, "migrate", str(db), postgres_url, "--replace")
    offices = invoke(postgres_url, "office", "list").output
    assert "Somewhere else" not in offices and "Downtown" in offices


def test_a_failed_copy_leaves_the_target_as_it_was(tmp_path: Path, postgres_url: str) -> None:
    db = _demo(tmp_path)
    with sqlite3.connect(db) as conn:  # SQLite took a word where PostgreSQL wants a number
        conn.execute("UPDATE contacts SET created_at = 'yesterday' WHERE name = 'Pat Smith'")

    failed = invoke(db, "migrate", str(db), postgres_url, ok=False)

    assert failed.exit_code == 1
    said = failed.output.strip().splitlines()[-1]
    assert said.startswith("Error: copying contacts, nothing was kept: ") and "yesterday" in said
    assert "Traceback" not in failed.output
    listed = invoke(postgres_url, "office", "list").output
    assert "Downtown" not in listed  # nothing half-copied
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] > 0


def test_and_back_from_postgresql_to_sqlite(tmp_path: Path, postgres_url: str) -> None:
    db = _demo(tmp_path)
    invoke(db, "migrate", str(db), postgres_url)
    back = tmp_path / "back.db"

    invoke(db, "migrate", postgres_url, f"sqlite:///{back}")

    assert _shown(back) == _shown(db)


@pytest.mark.parametrize(
    ("source", "target", "says"),
    [
        ("missing.db", "other.db", "missing.db; run `smartnumber init` first"),
        ("same.db", "same.db", "the source and the target are the same database"),
        ("x.db", "mysql://h/db", "mysql:// databases are not supported"),
    ],
)
def test_bad_arguments_are_one_line(tmp_path: Path, source: str, target: str, says: str) -> None:
    invoke(tmp_path / "x.db", "init")
    result = invoke(
        tmp_path / "x.db",
        "migrate",
        str(tmp_path / source) if "://" not in source else source,
        str(tmp_path / target) if "://" not in target else target,
        ok=False,
    )
    assert result.exit_code == 1
    assert says in result.output
    assert len(result.output.strip().splitlines()) == 1
