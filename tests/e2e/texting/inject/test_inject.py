"""`text inject` takes the same path as a text from the trunk."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import OFFICE_NUMBER, Office
from tests.e2e.texting.conftest import GRACE, Inbox, add_grace

pytestmark = pytest.mark.asterisk


async def test_text_inject_takes_the_same_path_as_the_trunk(
    texting: Office, stop_parties: None
) -> None:
    add_grace(texting)
    async with Inbox(texting.system) as inbox:
        said = await texting.system.acli(
            "text", "inject", "--from", GRACE, "--to", OFFICE_NUMBER, "Stop."
        )
        [confirmation] = await inbox.texts(handled=0)
    assert said.exit_code == 0, said.output
    assert f"opt-out from {GRACE}" in said.output
    assert confirmation.to == GRACE and "unsubscribed" in confirmation.body
    refused = texting.system.cli("text", "send", "--agent", "Bob", "--to", GRACE, "hi", ok=False)
    assert "opted out" in refused.output
