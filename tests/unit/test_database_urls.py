"""Database URLs: which store they name, smartnumber's own pool_size, masked passwords."""

from __future__ import annotations

import pytest

from smartnumber.errors import UserError
from smartnumber.storage import open_store, urls


def test_a_password_in_a_url_is_never_shown() -> None:
    assert urls.shown("postgresql://sn:s3cret@db.example:5433/sn") == (
        "postgresql://sn:***@db.example:5433/sn"
    )
    assert urls.shown("postgresql://sn@db.example/sn?sslmode=verify-full") == (
        "postgresql://sn@db.example/sn?sslmode=verify-full"
    )
    assert urls.shown("/var/lib/smartnumber/sn.db") == "/var/lib/smartnumber/sn.db"


def test_pool_size_is_smartnumbers_and_the_rest_is_libpqs() -> None:
    url, size = urls.split_pool_size("postgresql://sn@h/sn?sslmode=require&pool_size=25", 10)
    assert (url, size) == ("postgresql://sn@h/sn?sslmode=require", 25)
    assert urls.split_pool_size("postgresql://sn@h/sn", 10) == ("postgresql://sn@h/sn", 10)
    for bad in ("0", "x", "500"):
        with pytest.raises(UserError, match="pool_size must be a number from 1 to 200"):
            urls.split_pool_size(f"postgresql://sn@h/sn?pool_size={bad}", 10)


@pytest.mark.parametrize("url", ["postgresql://sn@h/sn", "postgres://sn@h/sn"])
def test_both_postgres_schemes_name_postgresql(url: str) -> None:
    assert urls.is_postgres(url)


async def test_an_unknown_scheme_is_one_line_that_says_what_is() -> None:
    with pytest.raises(UserError, match="mysql:// databases are not supported; use a file"):
        await open_store("mysql://sn@h/sn")
