"""Every command the README and `./scripts/demo` print, run exactly as printed, in order,
from the repository's root -- what a newcomer does on a fresh machine (CI runs this in a
fresh clone). In between, the test does what the newcomer's hands would: when the demo
says a softphone may register as Dana, one does (sipp, with the password `agent show
--reveal` printed).

The README's own commands are the first block of "Two commands"; the demo prints those
same commands among its hints, in the same order, so running the demo's hints in order
runs the README's too, as printed. `./scripts/test` is what CI itself runs (.ci/run)."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab.ports import free_udp_port
from lab.raw_sip import register
from smartnumber.demo.sipp import SippParty, scenario

pytestmark = pytest.mark.asterisk

ROOT = Path(__file__).resolve().parents[3]
SOFTPHONE = "127.0.0.44"  # where the newcomer's softphone registers from, as "dana"
DEMO_PORTS = (8080, 8090, 5038)  # the demo's API, stand-in carrier and AMI (TCP)

# What each printed command must print (besides exiting 0); every printed command is
# here, so a new hint cannot go untested. Keys are matched against the command's words.
EXPECTED = {
    "export SMARTNUMBER_DB=": "",
    "demo call +12125550100": "answered by Bob Baker",
    "route explain": "Bob Baker had the most recent call or text with Grace Hopper",
    "timeline +12125550150": "answered by Bob Baker",
    "demo texts": "the trunk carried: to +12125550102 from +12125550100: Grace Hopper",
    "text inject": "opt-out from +13105550177",
    'demo click-to-call "Bob Baker"': "  connected",
    'agent show "Dana Diaz" --reveal': "sip password",
    'demo click-to-call "Dana Diaz"': "  connected",
    "TOKEN=$(cat demo/api-token)": "",
    "/v1/contacts": '"external_id":"crm-1"',
    "/v1/calls": '"status":"placing"',
    "timeline 310-555-0188": "Pat Doe",
    "lab.carrier text": "smartnumber answered 200",
    "text send": "sent to +12125550150 from +12125550120",
    "text queue --all": "Yes! Tour at 5?",
    "./scripts/demo stop": "asterisk stopped",
}


def commands(lines: list[str], indent: int) -> list[str]:
    """The commands among printed lines: those indented at least `indent` spaces, a
    line ending in a backslash continued by the next (kept as printed, dedented)."""
    found: list[str] = []
    continued = False
    for line in lines:
        if continued:
            found[-1] += "\n" + line
        elif line.startswith(" " * indent) and line.strip():
            found.append(line.strip())
        else:
            continue
        continued = line.endswith("\\")
    return found


def words(command: str) -> list[str]:
    """A command as the shell splits it (comments dropped): how two printings of one
    command are compared."""
    return shlex.split(command.replace("\\\n", " "), comments=True)


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return commands(section.splitlines(), 4)


def demo_hints(printed: str) -> list[str]:
    return commands(printed.split("smartnumber is running:", 1)[1].splitlines(), 6)


def expectation(command: str) -> str:
    said = " ".join(words(command))
    matches = [text for key, text in EXPECTED.items() if " ".join(words(key)) in said]
    assert len(matches) == 1, f"say in EXPECTED what this printed command prints: {command}"
    return matches[0]


class Shell:
    """One shell session as a newcomer's terminal: each command runs in bash from the
    repository's root, and what it exports or assigns (set -a) carries to the next."""

    def __init__(self, state: Path) -> None:
        self.state = state
        state.write_text("")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SMARTNUMBER_")}

    def run(self, command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        script = f"set -a; . {shlex.quote(str(self.state))}\n"
        script += f"trap 'export -p > {shlex.quote(str(self.state))}' EXIT\n{command}\n"
        return subprocess.run(
            ["bash", "-c", script],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def shell() -> Iterator[Shell]:
    busy = [port for port in DEMO_PORTS if listening(port)]
    assert not busy, (
        f"something listens on 127.0.0.1:{busy} -- a demo running? This test runs the demo "
        "itself: `./scripts/demo stop` first"
    )
    with tempfile.TemporaryDirectory(prefix="sn-newcomer-") as tmp:
        made = Shell(Path(tmp) / "state.sh")
        try:
            yield made
        finally:
            subprocess.run(["bash", "scripts/demo", "stop"], cwd=ROOT, capture_output=True)


async def test_every_command_the_readme_and_the_demo_print_works_as_printed(
    shell: Shell, tmp_path: Path
) -> None:
    readme = readme_commands()
    assert readme[0] == "./scripts/demo" and "./scripts/test" in readme
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()  # CI runs that one

    started = shell.run("./scripts/demo", timeout=900)
    assert started.returncode == 0, started.stdout[-3000:] + started.stderr[-3000:]
    hints = demo_hints(started.stdout)

    # The README's commands are the demo's, in the README's order.
    mine = [c for c in readme if words(c)[0] not in ("./scripts/demo", "./scripts/test")]
    mine.append("./scripts/demo stop")
    at = 0
    for command in mine:
        later = [i for i, hint in enumerate(hints) if i >= at and words(hint) == words(command)]
        assert later, f"the README's {command!r} is not among the demo's hints (in order)"
        at = later[0] + 1

    softphone: SippParty | None = None
    try:
        for command in hints:
            expected = expectation(command)
            done = shell.run(command)
            said = done.stdout + done.stderr
            assert done.returncode == 0, f"$ {command}\n{said}"
            assert expected in done.stdout, f"$ {command}\n{said}"
            if "--reveal" in command:  # the newcomer registers a softphone as Dana
                softphone = await register_softphone(said, tmp_path)
    finally:
        if softphone is not None:
            await softphone.stop()


async def register_softphone(shown: str, workdir: Path) -> SippParty:
    """A softphone registered as dana with the password shown, answering her calls."""
    [password] = re.findall(r"^sip password\s+(\S+)$", shown, re.MULTILINE)
    port = free_udp_port(SOFTPHONE)
    status = await register("dana", password, source=(SOFTPHONE, port), target=("127.0.0.1", 5060))
    assert status == 200, f"the softphone's REGISTER got {status}"
    phone = SippParty(
        name="softphone-dana",
        scenario=scenario("agent"),
        address=SOFTPHONE,
        port=port,
        workdir=workdir,
        calls=2,  # demo click-to-call, then the CRM's click-to-call
        timeout_s=600,
    )
    await phone.start()
    await phone.listening()
    return phone
