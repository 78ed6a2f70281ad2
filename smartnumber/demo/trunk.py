"""The sipp parties around one smartnumber, built one way for the demo, the tests and the
benchmark: callers and texters on the carrier's side of the trunk, the carrier taking
what Asterisk sends out, and agents' phones on their own loopback addresses."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .ports import free_udp_port
from .sipp import SippParty, scenario


def _scenario(name: str | Path) -> Path:
    """A shipped scenario by name, or a scenario file a test wrote."""
    return name if isinstance(name, Path) else scenario(name)


@dataclass
class Trunk:
    """Parties for the Asterisk at `asterisk` (host:port of its SIP), whose carrier
    trunk is at trunk_host:trunk_port. Each party's traces go under `workdir`."""

    workdir: Path
    trunk_host: str
    trunk_port: int
    asterisk: str
    made: int = field(default=0, init=False)  # parties so far: each gets its own name

    def _name(self, kind: str) -> str:
        self.made += 1
        return f"{kind}{self.made}"

    def caller(
        self,
        number: str,
        caller_id: str,
        *,
        scenario_name: str | Path = "caller",
        calls: int = 1,
        hold_ms: int = 200,
        timeout_s: int = 20,
    ) -> SippParty:
        """Someone calling `number` through the carrier (from its own port on the trunk's
        address: Asterisk knows the carrier by address, and the trunk's own port stays
        free for carrier())."""
        return SippParty(
            name=self._name("caller"),
            scenario=_scenario(scenario_name),
            address=self.trunk_host,
            port=free_udp_port(self.trunk_host),
            workdir=self.workdir,
            remote=self.asterisk,
            service=number,
            variables={"caller": caller_id},
            calls=calls,
            hold_ms=hold_ms,
            timeout_s=timeout_s,
        )

    def texter(self, number: str, sender: str, body: str, *, timeout_s: int = 15) -> SippParty:
        """Someone texting `number` through the carrier: one SIP MESSAGE, answered 202."""
        return SippParty(
            name=self._name("texter"),
            scenario=scenario("text-sender"),
            address=self.trunk_host,
            port=free_udp_port(self.trunk_host),
            workdir=self.workdir,
            remote=self.asterisk,
            service=number,
            variables={"caller": sender, "body": body},
            timeout_s=timeout_s,
        )

    def carrier(
        self,
        *,
        scenario_name: str | Path = "agent",
        calls: int | None = 1,
        hold_ms: int = 1000,
        timeout_s: int = 30,
    ) -> SippParty:
        """The carrier's side of the trunk, at the trunk's contact address: it takes what
        Asterisk sends out (cells, forwards, click-to-call's contact) as `scenario_name`
        says (text-receiver: texts; or a scenario file of its own). calls=None: as many
        as come until the scenario stops sipp (answers-hangs-up does after its call, so a
        text that reaches the trunk first is answered, not taken for the call)."""
        return SippParty(
            name=self._name(f"carrier-{Path(scenario_name).stem}-"),
            scenario=_scenario(scenario_name),
            address=self.trunk_host,
            port=self.trunk_port,
            workdir=self.workdir,
            calls=calls,
            hold_ms=hold_ms,
            timeout_s=timeout_s,
        )

    def inbox(self, *, calls: int = 1000, timeout_s: int = 120) -> SippParty:
        """The carrier taking every text smartnumber sends (MESSAGE, answered 200)."""
        return self.carrier(scenario_name="text-receiver", calls=calls, timeout_s=timeout_s)

    def phone(
        self,
        address: str,
        port: int,
        *,
        scenario_name: str | Path = "agent",
        calls: int = 1,
        hold_ms: int = 0,
        timeout_s: int = 60,
    ) -> SippParty:
        """An agent's SIP phone at address:port: answers (agent-rings: never does)."""
        return SippParty(
            name=self._name(f"phone-{address}-"),
            scenario=_scenario(scenario_name),
            address=address,
            port=port,
            workdir=self.workdir,
            calls=calls,
            hold_ms=hold_ms,
            timeout_s=timeout_s,
        )
