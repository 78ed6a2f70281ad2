"""How texts leave through Asterisk: SIP MESSAGE over the trunk, by the AMI.

This is the outbox's transport (outbox.Transport) in the routing service. An HTTP SMS
provider would be another; the rules in texts.py and outbox.py do not change.
"""

from __future__ import annotations

import base64

from ..errors import UserError
from ..model import Outgoing
from .ami import AmiLink

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
