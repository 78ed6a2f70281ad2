"""Moving an installation's data from one database to another (`smartnumber migrate`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .. import storage
from ..errors import StorageError, UserError
from ..storage.copy import Counted, copy_store


async def move(
    source_url: str | Path,
    target_url: str | Path,
    *,
    replace: bool,
    started: Callable[[int], None],
    copied: Callable[[int], None],
) -> list[Counted]:
    """Copy everything in the database at `source_url` (which must exist; it is only
    read) into the one at `target_url` (migrated to the current schema first)."""
    if str(source_url) == str(target_url):
        raise UserError("the source and the target are the same database")
    source = await _opened(source_url, create=False)
    try:
        target = await _opened(target_url, create=True)
        try:
            return await copy_store(source, target, replace=replace, started=started, copied=copied)
        finally:
            await target.close()
    finally:
        await source.close()


async def _opened(url: str | Path, *, create: bool) -> storage.Store:
    try:
        return await storage.open_store(url, create=create)
    except StorageError as exc:
        raise StorageError(f"{storage.shown(str(url))}: {exc}") from None
