"""Where an agent's phone is registered right now, as Asterisk knows it: the contacts of
the endpoint's AOR, read with the AMI's Getvar of PJSIP_AOR and PJSIP_CONTACT
(func_pjsip_aor, func_pjsip_contact) -- which the CLI's login may use: no system rights.

Nothing typed by anyone reaches the action: the AOR is the endpoint's section name from
the database, checked again here, and each contact id Asterisk gives back is checked
before it is asked about."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import UserError
from .ami import AmiConfig, AmiLink, command_session
from .dialplan.filters import UnsafeValue, section

# "dana;@9706f0a1..." (registered) or "bob@@ce6055a7..." (a static contact=)
_CONTACT_ID = re.compile(r"^[A-Za-z0-9_.+-]{1,80};?@@?[0-9a-f]{1,64}$")


@dataclass(frozen=True)
class Registration:
    uri: str  # where Asterisk sends the agent's calls: sip:dana@192.0.2.7:5060
    user_agent: str  # the phone's own name for itself ("" if it gave none)
    expires_at: datetime


async def of_aor(ami: AmiConfig, aor: str, within: float = 3.0) -> list[Registration]:
    """The phones registered to `aor` now (a static contact= is not a registration).
    UserError, one line, when Asterisk's AMI cannot be reached within `within` s."""
    try:
        checked = section(aor)
    except UnsafeValue:
        raise UserError(f"not a SIP endpoint name: {aor!r}") from None
    await _reachable(ami, within)
    async with command_session(ami, within=within) as link:
        ids = (await _read(link, f"PJSIP_AOR({checked},contact)")).split(",")
        found = []
        for contact_id in filter(_CONTACT_ID.match, (i.strip() for i in ids)):
            expires = await _read(link, f"PJSIP_CONTACT({contact_id},expiration_time)")
            if not expires.isdigit() or int(expires) == 0:
                continue  # static: the agent's fixed sip contact, shown from the database
            found.append(
                Registration(
                    uri=await _read(link, f"PJSIP_CONTACT({contact_id},uri)"),
                    user_agent=await _read(link, f"PJSIP_CONTACT({contact_id},user_agent)"),
                    expires_at=datetime.fromtimestamp(int(expires), UTC),
                )
            )
        return found


async def _reachable(ami: AmiConfig, within: float) -> None:
    """Fail at once, in one line, when nothing listens at the AMI's address (the
    supervised link would keep retrying until `within`)."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(ami.host, ami.port), within)
    except (OSError, TimeoutError):
        raise UserError(f"cannot reach Asterisk's AMI at {ami.host}:{ami.port}") from None
    writer.close()


async def _read(link: AmiLink, expression: str) -> str:
    answer: Any = await link.send({"Action": "Getvar", "Variable": expression})
    value = answer.get("Value") if answer.get("Response") == "Success" else None
    return str(value or "")
