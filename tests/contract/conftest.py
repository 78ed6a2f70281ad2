"""Every contract test runs against each store open_store() can open (today SQLite;
add "postgresql" to the params when it comes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smartnumber.storage import Store, open_store


@pytest.fixture(params=["sqlite"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the store under test lives: a second open_store() of it shares its data."""
    urls = {"sqlite": f"sqlite:///{tmp_path / 'contract.db'}"}
    return urls[request.param]


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await open_store(store_url)
    try:
        yield opened
    finally:
        await opened.close()
