"""Every contract test runs against each store open_store() can open (today SQLite;
add "postgresql" to the params when it comes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from smartnumber.storage import Store, open_store


@pytest.fixture(params=["sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    urls = {"sqlite": f"sqlite:///{tmp_path / 'contract.db'}"}
    opened = await open_store(urls[request.param])
    try:
        yield opened
    finally:
        await opened.close()
