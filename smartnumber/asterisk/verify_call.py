"""A caller-ID verification call: Asterisk calls the number and asks whoever answers for
the code; [smartnumber-verify] reports the digits keyed in a UserEvent. The code itself
never reaches Asterisk: calls/caller_id.py compares."""

from __future__ import annotations

import asyncio
import contextlib
import secrets

from ..calls.caller_id import RING_SECONDS, Attempt
from ..errors import UserError
from ..model import Ring
from . import dial, names
from .ami import AmiConfig, command_session


async def keyed_code(ami: AmiConfig, attempt: Attempt, limit: float) -> str | None:
    """Call the number and return the digits keyed in, or None: not answered, or nothing
    keyed within `limit` seconds of placing the call (then the call is hung up)."""
    verify_id = secrets.token_hex(8)
    channel_id = f"sn-verify-{verify_id}"
    result: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
    channels: list[str] = []

    def on_event(event: dict[str, str]) -> None:
        if result.done():
            return
        if event.get("Uniqueid") == channel_id and event.get("Channel"):
            channels.append(event["Channel"])
        kind = event.get("Event")
        if kind == "UserEvent" and event.get("UserEvent") == names.VERIFY_EVENT:
            if event.get("Id") == verify_id:
                result.set_result(event.get("Code", ""))
        elif kind == "OriginateResponse" and event.get("Uniqueid") == channel_id:
            failed = event.get("Response") != "Success"  # not answered, busy, unreachable
            if failed:
                result.set_result(None)

    async with command_session(ami, on_event) as link:
        try:
            answer = await link.send(
                {
                    "Action": "Originate",
                    "ChannelId": channel_id,
                    "Channel": dial.target(Ring(number=attempt.number)),
                    "Context": names.Context.VERIFY,
                    "Exten": "s",
                    "Priority": "1",
                    "CallerID": f"<{attempt.shown}>",
                    "Timeout": str(RING_SECONDS * 1000),
                    "Async": "true",
                    "Variable": [
                        f"{names.VERIFY}={verify_id}",
                        f"{names.PROMPT}={attempt.prompt}",
                    ],
                },
                as_list=False,
            )
        except (ConnectionError, TimeoutError):
            raise UserError("Asterisk did not take the verification call; try again") from None
        if not answer.success:
            raise UserError(f"Asterisk refused the call: {answer.get('Message', '')}")
        try:
            return await asyncio.wait_for(asyncio.shield(result), limit)
        except TimeoutError:
            if channels:
                with contextlib.suppress(ConnectionError, TimeoutError):
                    await link.send({"Action": "Hangup", "Channel": channels[-1]}, as_list=False)
            return None
