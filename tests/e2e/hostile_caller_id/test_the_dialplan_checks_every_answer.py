"""Defence in depth: even if the routing service answered a dial string with characters
no target has (a bug, or someone posing as the service), the dialplan's own filter sees
it changed, dials nothing of it and takes the number's fallback. A stand-in FastAGI
service answers hostile values; the real Asterisk and the fallback phone are real."""

from __future__ import annotations

import pytest

from lab.ami import watch
from lab.ports import free_udp_port
from lab.system import System
from smartnumber.asterisk import names as var
from smartnumber.asterisk.agi.server import AgiSession, FastAgiServer
from smartnumber.asterisk.names import ANSWER_SEPARATOR, Route, Status
from smartnumber.asterisk.names import AnswerField as F
from smartnumber.demo.sipp import parse_trace
from tests.e2e.fallback_when_service_down.test_call_reaches_fallback import ALICE, BOB, provision

pytestmark = pytest.mark.asterisk

# Each would make Dial() ring Alice, add options or another leg, were it used as it is;
# or, beside a dial string that is fine, add options of its choosing. (A field made only
# of characters some field may hold is filtered to its own, as before: a media id of
# "../x" names no file, it is not 16 hex digits.)
HOSTILE = [
    {F.DIAL: "PJSIP/alice,1,G(evil^1^1)"},
    {F.DIAL: "PJSIP/alice)"},
    {F.DIAL: "PJSIP/alice&${SHELL(id)}"},
    {F.DIAL: "PJSIP/alice", F.CALLERID: "+1212,G(evil)"},
    {F.DIAL: "PJSIP/alice", F.CALLERNAME: 'Jo" <+1>,G(x)', F.CALLERID: "+12125550100"},
]


@pytest.mark.parametrize("hostile_fields", HOSTILE)
async def test_a_hostile_answer_rings_only_the_fallback(
    system: System, stop_parties: None, hostile_fields: dict[F, str]
) -> None:
    alice_port, bob_port = free_udp_port(ALICE), free_udp_port(BOB)
    provision(system, alice_port, bob_port)  # the number's fallback is Bob
    system.start_asterisk()

    async def hostile(session: AgiSession, ctx: object) -> None:
        fields = {F.STATUS: Status.OK, F.TIMEOUT: "10", F.REASON: "a stand-in"} | hostile_fields
        said = ANSWER_SEPARATOR.join(fields.get(f, "") for f in F)  # not answer.encode: it refuses
        await session.set_variable(var.ANSWER, said)

    token = system.cli("settings", "show", "--reveal", "agi.token").output.strip()
    server = FastAgiServer({Route.INCOMING: hostile}, object(), token=token)
    await server.start("127.0.0.1", int(system.settings["agi.port"]))
    try:
        alice = system.phone(ALICE, alice_port, scenario_name="agent-rings")
        bob = system.phone(BOB, bob_port)
        for phone in (alice, bob):
            await phone.start()
            await phone.listening()
        async with watch(**system.watcher_credentials()) as ami:
            caller = system.caller("+12125550100", caller_id="+12125550123")
            await caller.start()
            assert (await caller.wait()).succeeded
            assert (await bob.wait()).succeeded  # the fallback answered
            await ami.wait_for(lambda e: e.get("Event") == "DialEnd")
        legs = [e["DestChannel"] for e in ami.named("DialBegin")]
        assert len(legs) == 1 and legs[0].startswith("PJSIP/bob-"), legs
        seen = alice.trace_file.read_text() if alice.trace_file.exists() else ""
        assert not [m for m in parse_trace(seen) if not m.sent and m.method == "INVITE"]
    finally:
        await server.close()
