"""The FastAGI route table: agi://host:port/NAME -> handler. Nothing else is served."""

from __future__ import annotations

from collections.abc import Mapping

from . import incoming, message
from .context import HandlerContext
from .server import Handler

ROUTES: Mapping[str, Handler[HandlerContext]] = {
    "incoming": incoming.handle,
    "message": message.handle,
}
