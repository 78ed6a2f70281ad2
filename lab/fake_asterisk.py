"""A fake Asterisk that speaks real FastAGI over TCP: sends the agi_* header block,
answers GET VARIABLE from a dict, records SET VARIABLE."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from smartnumber.asterisk import names
from smartnumber.asterisk.agi import answer

_SET = re.compile(r'^SET VARIABLE (\S+) "(.*)"$')
# The shared secret the tests' FastAGI servers expect (agi.token in production).
TOKEN = "0123456789abcdef0123456789abcdef"


@dataclass
class FakeAsterisk:
    port: int
    script: str = "incoming"
    variables: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    hangup_before_answers: bool = False
    token: str = TOKEN  # sent as ?token=... after the script name, as the dialplan does
    commands: list[str] = field(default_factory=list)
    set_variables: dict[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> dict[names.AnswerField, str]:
        """The incoming handler's answer, split as the dialplan splits it ({} if none)."""
        said = self.set_variables.get(names.ANSWER)
        return {} if said is None else answer.decode(said)

    def header_block(self) -> bytes:
        script = self.script
        if self.token:
            script += ("&" if "?" in script else "?") + f"token={self.token}"
        base = {
            "agi_network": "yes",
            "agi_network_script": script,
            "agi_request": f"agi://127.0.0.1:{self.port}/{script}",
            "agi_channel": "PJSIP/trunk-00000001",
            "agi_callerid": "+12125550150",
            "agi_uniqueid": "1700000000.1",
        }
        base.update(self.headers)
        return "".join(f"{k}: {v}\n" for k, v in base.items()).encode() + b"\n"

    async def call(self, timeout: float = 5.0) -> None:
        """Connect, send the headers, answer commands until the server closes."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(self.header_block())
        await writer.drain()
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), timeout)
                if not line:
                    return
                command = line.decode().rstrip("\n")
                self.commands.append(command)
                if self.hangup_before_answers:
                    writer.write(b"HANGUP\n")
                writer.write(self.answer(command).encode() + b"\n")
                await writer.drain()
        finally:
            writer.close()

    def answer(self, command: str) -> str:
        if command.startswith("GET VARIABLE "):
            name = command.split(" ", 2)[2]
            if name in self.variables:
                return f"200 result=1 ({self.variables[name]})"
            return "200 result=0"
        match = _SET.match(command)
        if match:
            value = match[2].replace('\\"', '"').replace("\\\\", "\\")
            self.set_variables[match[1]] = value
            return "200 result=1"
        return "510 Invalid or unknown command"
