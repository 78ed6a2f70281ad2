"""The FastAGI route table: agi://host:port/NAME -> handler. Nothing else is served."""

from __future__ import annotations

from collections.abc import Mapping

from .. import names as var
from ..names import Route, Status
from . import incoming, message
from .context import HandlerContext
from .server import AgiSession, Handler

ROUTES: Mapping[str, Handler[HandlerContext]] = {
    Route.INCOMING: incoming.handle,
    Route.MESSAGE: message.handle,
}


async def overloaded(session: AgiSession) -> None:
    """A session past the cap: no routing, the dialplan takes its fallback at once (for a
    text: it keeps the text in its spool for the service to fetch)."""
    if session.script == Route.INCOMING:
        await incoming.overloaded(session)
        return
    await session.set_variable(var.STATUS, Status.FALLBACK)
    await session.set_variable(var.REASON, "the routing service is at its session limit")
