"""Use cases for SMS carriers: add one (secrets read from files only their owner can
read, never from the command line), list them masked. Which number uses which is set by
`number config --sms-carrier` (app/calls.configure_number)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from .. import settings
from ..model import Carrier
from ..storage.repository import Store
from ..texting.carriers import registry


def carrier_view(c: Carrier, numbers: list[str]) -> dict[str, Any]:
    return {
        "name": c.name,
        "kind": c.kind.value,
        "api_url": c.api_url,
        "api_key": settings.MASK if c.api_key else "",
        "public_key": c.public_key,
        "account_sid": c.account_sid,
        "auth_token": settings.MASK if c.auth_token else "",
        "numbers": numbers,
    }


async def add_carrier(
    store: Store,
    name: str,
    kind: str,
    now: datetime,
    *,
    api_key: str = "",
    api_key_file: Path | None = None,
    public_key: str = "",
    account_sid: str = "",
    auth_token: str = "",
    auth_token_file: Path | None = None,
    api_url: str = "",
) -> dict[str, Any]:
    """A new carrier; a secret comes as the one line of a 0600 file, or typed at a prompt."""
    if api_key_file is not None:
        api_key = settings.read_secret_file(api_key_file)
    if auth_token_file is not None:
        auth_token = settings.read_secret_file(auth_token_file)
    async with store.transaction() as repo:
        made = await registry.add(
            repo,
            name,
            kind,
            now,
            api_key=api_key,
            public_key=public_key,
            account_sid=account_sid,
            auth_token=auth_token,
            api_url=api_url,
        )
        return carrier_view(made, [])


async def list_carriers(store: Store) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        numbers = await repo.list_numbers()
        return [
            carrier_view(c, [n.e164 for n in numbers if n.sms_carrier_id == c.id])
            for c in await repo.carriers()
        ]
