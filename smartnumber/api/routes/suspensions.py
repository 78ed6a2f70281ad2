"""/v1/suspensions: agents suspended from starting texts; an admin may lift one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from ...access import Caller
from ...app import texting as cases
from ..schemas import LiftIn
from .common import ADMIN, Who, needs, now, store

router = APIRouter(prefix="/v1/suspensions", tags=["suspensions"])


@router.get("")
async def list_suspensions(
    who: Who, request: Request, all: bool = Query(default=False)
) -> dict[str, Any]:
    """In force (all=true: also ended and lifted), newest first; an agent sees their own."""
    agent_id = who.agent.id if who.agent else None
    found = await cases.list_suspensions(store(request), all, now(), agent_id)
    return {"suspensions": found}


@router.post("/{agent}/lift")
async def lift(
    agent: str,
    body: LiftIn,
    request: Request,
    who: Annotated[Caller, Depends(needs(*ADMIN))],
) -> dict[str, Any]:
    name = await cases.lift_suspension(store(request), agent, body.reason, now())
    return {"agent": name, "lifted": True}
