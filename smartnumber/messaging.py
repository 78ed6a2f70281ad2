"""How texts leave: a small interface, and SIP MESSAGE through Asterisk behind it.

An HTTP SMS provider would be another Transport; the rules in texts.py do not change.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Protocol

from .ami import AmiConfig, AmiLink, command_session
from .errors import UserError
from .texts import Outgoing


class Transport(Protocol):
    async def deliver(self, message: Outgoing) -> None:
        """Hand one text to the carrier; raises UserError if it was not accepted."""
        ...


PART_BYTES = 700  # base64 of 700 bytes fits the AMI's 1024-byte line with room to spare


def parts(body: str, limit: int = PART_BYTES) -> list[str]:
    """The body in slices of at most `limit` UTF-8 bytes, cut between characters (at a
    space when one is near), so that joined again they are the body exactly."""
    out: list[str] = []
    rest = body
    while len(rest.encode()) > limit:
        cut = len(rest.encode()[:limit].decode("utf-8", errors="ignore"))
        space = rest.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space + 1
        out.append(rest[:cut])
        rest = rest[cut:]
    return [*out, rest]


class AsteriskMessages:
    """The AMI MessageSend action: a SIP MESSAGE to the carrier trunk from the Smart
    Number. The body goes base64-encoded (Base64Body), so no text can break the AMI's
    line-based framing or be read as a header. The AMI takes lines of at most 1024
    bytes, so a longer text goes as several MESSAGEs, in order, as an SMS would."""

    def __init__(self, link: AmiLink, trunk_host: str, trunk_port: str, sip_bind: str) -> None:
        self._link = link
        self._trunk = f"{trunk_host}:{trunk_port}"
        self._local = sip_bind

    def action(self, message: Outgoing, part: str) -> dict[str, str]:
        return {
            "Action": "MessageSend",
            "To": f"pjsip:trunk/sip:{message.to}@{self._trunk}",
            "From": f"sip:{message.sender}@{self._local}",
            "Base64Body": base64.b64encode(part.encode()).decode(),
        }

    async def deliver(self, message: Outgoing) -> None:
        for part in parts(message.body):
            answer = await self._link.send(self.action(message, part), as_list=False)
            if not answer.success:
                raise UserError(f"Asterisk did not send the text: {answer.get('Message', '')}")


async def deliver_all(ami: AmiConfig, values: Mapping[str, str], messages: list[Outgoing]) -> None:
    """Send texts over a connection of their own (for the CLI); a UserError naming every
    text that did not go."""
    failed = []
    try:
        async with command_session(ami, within=10) as link:
            out = AsteriskMessages(
                link, values["trunk.host"], values["trunk.port"], values["sip.bind"]
            )
            for message in messages:
                try:
                    await out.deliver(message)
                except (UserError, ConnectionError, TimeoutError) as exc:
                    failed.append(f"to {message.to} ({message.purpose}): {exc}")
    except UserError as exc:  # Asterisk's AMI could not be reached
        failed.append(str(exc))
    if failed:
        raise UserError("not sent " + "; ".join(failed))
