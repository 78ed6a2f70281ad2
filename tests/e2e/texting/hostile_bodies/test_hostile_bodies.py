"""Whatever a texter writes travels as data: dialplan expressions, metacharacters,
unicode and long texts arrive verbatim, or say plainly that their words were lost."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import CELLS, OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import FIRST, GRACE, Inbox, add_grace, send_text, texts_on_timeline

pytestmark = pytest.mark.asterisk


HOSTILE = [
    "${EXTEN} $[1+1] ${SHELL(id)}",
    'a),b|c;d"e\\f[g]',
    "Grüße, 日本語, emoji 🏠🔑",
    "x" * 1000,  # inbound bodies of 1024 bytes or more are lost in Asterisk 16 (see below)
]


@pytest.mark.parametrize("body", HOSTILE, ids=["dialplan", "metacharacters", "unicode", "long"])
async def test_hostile_bodies_travel_verbatim_as_data(
    texting: Office, stop_parties: None, body: str
) -> None:
    add_grace(texting)
    async with Inbox(texting.system) as inbox:
        await send_text(texting.system, OFFICE_NUMBER, GRACE, body)
        [forward] = await inbox.texts(handled=1)
    assert forward.body == f"Grace Hopper ({GRACE}): {body}"
    [entry] = texts_on_timeline(texting, GRACE)
    assert entry["detail"]["text"] == body


async def test_a_long_text_goes_out_whole_and_one_too_long_to_receive_says_so(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting)
    long_text = "Listing details: " + "3 bd, 2 ba, garage; $[price] ${x} " * 45
    async with Inbox(texting.system) as inbox:
        texting.system.cli("text", "send", "--agent", "Bob", "--to", GRACE, long_text)
        await send_text(texting.system, OFFICE_NUMBER, GRACE, "y" * 1500)
        got = await inbox.texts(handled=1)
    [sent] = [t for t in got if t.to == GRACE]
    assert sent.body == long_text + FIRST and len(long_text.encode()) > 1500
    [forward] = [t for t in got if t.to == CELLS["Bob"]]
    assert "a text of 1502 bytes whose words were lost" in forward.body
