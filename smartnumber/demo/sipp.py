"""Real SIP parties with sipp: the demo's test call and the end-to-end tests use these.

Each party runs one sipp process on its own loopback address, traces every message it
sends and receives to a file, and stops by itself (a global timeout bounds it).
"""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from ..asterisk.agi.sip_from import user_of
from ..errors import UserError

# Each traced message starts with a line of dashes and the time it was sent or received.
_BLOCK_START = re.compile(r"^-{20,} ?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)?[^\n]*$", re.MULTILINE)

# A rule across sipp's screen ("------ Scenario Screen ---", "-----+-----"), not an arrow
_RULE = re.compile(r"-{5,}(?![->])")


def sipp_binary() -> str:
    found = shutil.which("sipp")
    if found is None:
        raise UserError("sipp is not installed; run `smartnumber asterisk install`")
    return found


def scenario(name: str) -> Path:
    """A scenario shipped with smartnumber (caller, agent...)."""
    path = Path(str(resources.files("smartnumber.demo.scenarios").joinpath(f"{name}.xml")))
    if not path.exists():
        raise UserError(f"no sipp scenario named {name!r}")
    return path


@dataclass(frozen=True)
class SipMessage:
    first_line: str
    headers: dict[str, str]  # lower-case names; the first value of each
    sent: bool = False  # False: received by the party
    at: datetime | None = None  # when sipp sent or received it
    body: str = ""  # what follows the headers (SDP, a text message)

    @property
    def method(self) -> str:
        return self.first_line.split(" ", 1)[0]

    @property
    def status(self) -> int | None:
        """The status code of a response, None for a request."""
        parts = self.first_line.split(" ", 2)
        return int(parts[1]) if parts[0] == "SIP/2.0" and parts[1].isdigit() else None

    @property
    def to_user(self) -> str:
        """The user part of a request's Request-URI (whom a MESSAGE is for)."""
        parts = self.first_line.split(" ", 2)
        return (user_of(parts[1]) or "") if len(parts) > 1 else ""

    @property
    def from_user(self) -> str:
        """The user part of the From header's URI (who sent it)."""
        return user_of(self.headers.get("from", "")) or ""


@dataclass
class SippResult:
    returncode: int
    output: str
    messages: list[SipMessage] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0

    @property
    def received(self) -> list[SipMessage]:
        return [m for m in self.messages if not m.sent]

    def requests(self, method: str) -> list[SipMessage]:
        """Requests of this method the party received."""
        return [m for m in self.received if m.method == method]


def parse_trace(text: str) -> list[SipMessage]:
    """The messages a sipp party sent and received, from its -trace_msg file."""
    messages = []
    # split() on a pattern with one group gives [before, stamp, block, stamp, block, ...]
    parts = _BLOCK_START.split(text)
    for stamp, block in zip(parts[1::2], parts[2::2], strict=True):
        header, _, body = block.partition("\n\n")
        if "message sent" not in header and "message received" not in header:
            continue
        lines = [ln.rstrip("\r") for ln in body.strip("\n").splitlines()]
        if not lines:
            continue
        headers: dict[str, str] = {}
        content: list[str] = []
        for i, line in enumerate(lines[1:], start=1):
            if not line:
                content = lines[i + 1 :]
                break
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), value.strip())
        at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f") if stamp else None
        sent = "message sent" in header
        messages.append(SipMessage(lines[0], headers, sent, at, "\n".join(content).strip("\n")))
    return messages


def post_dial_delays(messages: list[SipMessage]) -> list[float]:
    """Seconds from each call's first INVITE sent to its first 180, 183 or 200 received."""
    sent: dict[str, datetime] = {}
    delays = []
    for message in messages:
        call_id = message.headers.get("call-id")
        if call_id is None or message.at is None:
            continue
        if message.sent and message.method == "INVITE":
            sent.setdefault(call_id, message.at)
        elif (
            not message.sent
            and message.status in (180, 183, 200)
            and message.headers.get("cseq", "").endswith("INVITE")
            and call_id in sent
        ):
            delays.append((message.at - sent.pop(call_id)).total_seconds())
    return delays


@dataclass
class SippParty:
    """One sipp process: a caller (uac) or an answering phone (uas)."""

    name: str
    scenario: Path
    address: str
    port: int
    workdir: Path
    remote: str | None = None  # host:port to call, for callers
    service: str | None = None  # the number to call
    variables: dict[str, str] = field(default_factory=dict)
    calls: int | None = 1  # None: no limit, the scenario stops sipp (answers-hangs-up)
    hold_ms: int = 0
    timeout_s: int = 30
    extra: list[str] = field(default_factory=list)  # more sipp options (-r, -inf, ...)
    trace: bool = True  # keep every message (for assertions); off saves I/O under load
    _process: asyncio.subprocess.Process | None = field(default=None, init=False, repr=False)

    @property
    def trace_file(self) -> Path:
        return self.workdir / f"{self.name}.messages.log"

    @property
    def output_file(self) -> Path:
        return self.workdir / f"{self.name}.out"

    @property
    def error_file(self) -> Path:
        """What went wrong for sipp (a port it could not bind, an unexpected message)."""
        return self.workdir / f"{self.name}.errors.log"

    def command(self) -> list[str]:
        cmd = [
            sipp_binary(),
            "-sf",
            str(self.scenario),
            "-i",
            self.address,
            "-p",
            str(self.port),
            *(["-m", str(self.calls)] if self.calls is not None else []),
            "-d",
            str(self.hold_ms),
            "-nostdin",
            "-timeout",
            f"{self.timeout_s}s",
            "-timeout_error",
            "-trace_err",
            "-error_file",
            str(self.error_file),
        ]
        if self.trace:
            cmd += ["-trace_msg", "-message_file", str(self.trace_file)]
        for key, value in self.variables.items():
            cmd += ["-set", key, value]
        cmd += self.extra
        if self.service:
            cmd += ["-s", self.service]
        if self.remote:
            cmd.append(self.remote)
        return cmd

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.output_file.open("wb") as out:
            self._process = await asyncio.create_subprocess_exec(
                *self.command(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                cwd=self.workdir,  # sipp writes some of its files (e.g. -trace_rtt) here
            )

    async def listening(self, timeout: float = 5.0) -> None:
        """Wait until the party's UDP port is bound (a uas must be up before a call)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self._process is not None and self._process.returncode is not None:
                raise UserError(f"sipp party {self.name} exited: {one_line(self.printed())}")
            if udp_bound(self.address, self.port):
                return
            await asyncio.sleep(0.05)
        raise UserError(f"sipp party {self.name} did not bind {self.address}:{self.port}")

    async def wait(self, timeout: float | None = None) -> SippResult:
        """Wait for the party to finish; kills it past timeout (default: its own + 10 s)."""
        assert self._process is not None, "party was not started"
        try:
            await asyncio.wait_for(self._process.wait(), timeout or self.timeout_s + 10)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()
        trace = self.trace_file.read_text(errors="replace") if self.trace_file.exists() else ""
        return SippResult(self._process.returncode or 0, self.printed(), parse_trace(trace))

    async def stop(self) -> None:
        """End the party: politely first (sipp flushes its traces), then for sure."""
        if self._process is None or self._process.returncode is not None:
            return
        self._process.terminate()
        try:
            await asyncio.wait_for(self._process.wait(), 3)
        except TimeoutError:
            self._process.kill()
            await self._process.wait()

    def received_so_far(self, method: str) -> list[SipMessage]:
        """The requests of this method that have reached the party so far: sipp writes its
        trace as it goes, so this can be watched while the party runs."""
        trace = self.trace_file.read_text(errors="replace") if self.trace_file.exists() else ""
        return [m for m in parse_trace(trace) if not m.sent and m.method == method]

    def was_called(self) -> bool:
        """Has an INVITE reached this party so far?"""
        return bool(self.received_so_far("INVITE"))

    def printed(self) -> str:
        """What sipp printed last: from its last scenario screen (each message's count:
        where a call stopped) through the statistics, or the end of what it printed."""
        try:
            text = self.output_file.read_text(errors="replace")
        except OSError:
            return ""
        screen = text.rfind("-- Scenario Screen --")
        start = text.rfind("\n", 0, screen) + 1 if screen >= 0 else len(text) - 2000
        return text[max(start, len(text) - 6000) :]


@dataclass
class CallResult:
    caller: SippResult
    phones: dict[str, SippResult]  # by the name the phones were given

    @property
    def rung(self) -> list[str]:
        """Phones that were offered the call (received an INVITE)."""
        return [name for name, r in self.phones.items() if r.requests("INVITE")]

    @property
    def answered(self) -> list[str]:
        """Phones whose answer was taken: they sent 200 OK to the INVITE and it was ACKed
        (a phone that only rang also gets an ACK, for its 487 after the CANCEL)."""
        return [
            name
            for name, r in self.phones.items()
            if r.requests("ACK")
            and any(m.sent and m.status == 200 for m in r.messages)
            and not r.requests("CANCEL")
        ]


async def place_call(
    caller: SippParty, phones: dict[str, SippParty], finish_within: float = 10.0
) -> CallResult:
    """Start the phones, place the caller's call, and collect what every party saw.

    Once the caller is done, a phone the call reached is given time to end its own
    scenario (it sees the BYE or the CANCEL, then exits); the others are stopped.
    """
    try:
        for party in phones.values():
            await party.start()
        for party in phones.values():
            await party.listening()
        await caller.start()
        caller_result = await caller.wait()
        results = {}
        for name, party in phones.items():
            if party.was_called():
                results[name] = await party.wait(timeout=finish_within)
            else:
                await party.stop()
                results[name] = await party.wait(timeout=5)
        return CallResult(caller_result, results)
    finally:
        for party in (*phones.values(), caller):
            await party.stop()


def one_line(screen: str, limit: int = 400) -> str:
    """sipp's screen on one line (its lines joined by " / ", rules and blanks dropped),
    the last `limit` characters: for an error message."""
    lines = (line.strip() for line in screen.splitlines())
    return " / ".join(line for line in lines if line and not _RULE.match(line))[-limit:]


def udp_bound(address: str, port: int) -> bool:
    """True when some process has a UDP socket bound to address:port (IPv4, /proc/net/udp)."""
    octets = [int(o) for o in address.split(".")]
    want = "".join(f"{o:02X}" for o in reversed(octets)) + f":{port:04X}"
    try:
        table = Path("/proc/net/udp").read_text()
    except OSError:
        return False
    return any(line.split()[1] == want for line in table.splitlines()[1:] if line.strip())
