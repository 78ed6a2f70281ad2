"""/v1/agents, /v1/numbers and /v1/text-codes: read by the CRM, changed by an admin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from ...access import Caller
from ...app import calls as call_cases
from ...app import directory as cases
from ...app import texting as text_cases
from ..schemas import AgentChange, AgentIn, HandlingIn, TextCodeIn
from .common import ADMIN, CRM, needs, now, store

router = APIRouter(prefix="/v1", tags=["directory"])
Crm = Annotated[Caller, Depends(needs(*CRM))]
Admin = Annotated[Caller, Depends(needs(*ADMIN))]


@router.get("/agents")
async def list_agents(request: Request, who: Crm) -> dict[str, Any]:
    return {"agents": await cases.list_agents(store(request))}


@router.get("/agents/{name}")
async def show_agent(name: str, request: Request, who: Crm) -> dict[str, Any]:
    view = await cases.show_agent(store(request), name, now(), reveal=False)
    view.pop("sip_password", None)  # never over HTTP, not even masked
    return view


@router.post("/agents", status_code=201)
async def add_agent(body: AgentIn, request: Request, who: Admin) -> dict[str, Any]:
    """A new agent (an endpoint gets a generated SIP password: see it on the server with
    `smartnumber agent show NAME --reveal`, never over HTTP)."""
    await cases.add_agent(
        store(request),
        body.name,
        body.cell,
        endpoint=body.endpoint,
        office_name=body.office,
        team_name=body.team,
        admin=body.admin,
        email=body.email,
    )
    return await show_agent(body.name, request, who)


@router.patch("/agents/{name}")
async def change_agent(
    name: str, body: AgentChange, request: Request, who: Admin
) -> dict[str, Any]:
    """Activate or deactivate an agent (their calls then go to a company admin)."""
    await cases.set_agent_active(store(request), name, body.active)
    return await show_agent(name, request, who)


@router.get("/numbers")
async def list_numbers(request: Request, who: Crm) -> dict[str, Any]:
    return {"numbers": await cases.list_numbers(store(request))}


@router.get("/numbers/{number}")
async def show_number(number: str, request: Request, who: Crm) -> dict[str, Any]:
    return await cases.show_number(store(request), number)


@router.patch("/numbers/{number}")
async def configure_number(
    number: str, body: HandlingIn, request: Request, who: Admin
) -> dict[str, Any]:
    """Change a number's call handling (prompts are spoken into the media directory)."""
    changes = body.model_dump(exclude_unset=True)
    found, handling = await call_cases.configure_number(
        store(request), request.app.state.db, number, changes
    )
    return {"number": found.e164, **handling.as_dict()}


@router.get("/text-codes")
async def list_text_codes(request: Request, who: Crm) -> dict[str, Any]:
    return {"text_codes": await text_cases.list_text_codes(store(request))}


@router.post("/text-codes", status_code=201)
async def add_text_code(body: TextCodeIn, request: Request, who: Admin) -> dict[str, Any]:
    made = await text_cases.add_text_code(
        store(request), body.code, body.reply, body.agent, body.number, now()
    )
    return {"code": made.code, "reply": made.reply}


@router.delete("/text-codes/{code}", status_code=204)
async def remove_text_code(code: str, request: Request, who: Admin) -> Response:
    await text_cases.remove_text_code(store(request), code)
    return Response(status_code=204)
