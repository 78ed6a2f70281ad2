"""What every route module shares: the store, the clock, who is asking, role checks."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Path, Request

from ... import clock
from ...access import Caller
from ...model import Role
from ...storage import Store
from ..auth import caller

Who = Annotated[Caller, Depends(caller)]
LARGEST_ID = 2**63 - 1  # ids are 64-bit integers in every store: past this, nothing is
ContactId = Annotated[int, Path(ge=1, le=LARGEST_ID, description="A contact's id.")]
WebhookId = Annotated[int, Path(ge=1, le=LARGEST_ID, description="A subscription's id.")]
ADMIN = (Role.ADMIN,)
CRM = (Role.ADMIN, Role.INTEGRATION)
ANYONE = (Role.ADMIN, Role.INTEGRATION, Role.AGENT)
now = clock.now


def store(request: Request) -> Store:
    found: Store = request.app.state.store
    return found


def needs(*roles: Role) -> Callable[[Caller], Coroutine[Any, Any, Caller]]:
    """A dependency: the caller, if their role is one of these (else 403)."""

    async def check(who: Who) -> Caller:
        who.require(*roles)
        return who

    return check
