"""`smartnumber asterisk check`: is anything about this Asterisk open to strangers?

Reads the rendered pjsip.conf and manager.conf, and asks the running Asterisk what it
really has (`pjsip show endpoint`, `manager show user`, `module show`), then reports:
- endpoints a request can reach without a password by naming them (From user), or an
  anonymous endpoint: anyone who reaches the SIP port gets into a dialplan context;
- endpoints identified by address only, without an ACL;
- AMI users that may run commands or change the configuration, an AMI off loopback;
- modules that listen in on calls or run shell commands (ChanSpy, System, SHELL) and
  chan_sip (its guests are let in by default).
The rules are pure functions of the facts gathered, so they are tested on their own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

DANGER = "danger"  # reachable by strangers now
WARNING = "warning"  # worth an admin's look

# identify_by when an endpoint does not say (Asterisk 16-22).
DEFAULT_IDENTIFY_BY = frozenset({"username", "ip"})
BY_NAME = frozenset({"username", "auth_username"})
RISKY_MODULES = {
    "app_chanspy": "ChanSpy/ExtenSpy: listens in on live calls",
    "app_system": "System(): runs shell commands from the dialplan",
    "func_shell": "SHELL(): runs shell commands from the dialplan",
    "res_pjsip_endpoint_identifier_anonymous": "lets unidentified SIP requests in as 'anonymous'",
    "chan_sip": "chan_sip: lets unknown callers in as guests unless allowguest=no",
}
RISKY_AMI_RIGHTS = frozenset({"all", "system", "command", "config"})
ALL_ADDRESSES = "0.0.0.0"  # noqa: S104 - manager.conf's default bindaddr, reported, not bound


@dataclass(frozen=True)
class Finding:
    severity: str
    subject: str  # "endpoint trunk", "AMI user x", "module app_chanspy"
    problem: str
    source: str  # "pjsip.conf", "running Asterisk"...

    def as_dict(self) -> dict[str, str]:
        return {
            "severity": self.severity,
            "subject": self.subject,
            "problem": self.problem,
            "source": self.source,
        }


@dataclass
class Endpoint:
    name: str
    identify_by: frozenset[str] = DEFAULT_IDENTIFY_BY
    auth: bool = False
    matches: list[str] = field(default_factory=list)
    acl: bool = False


@dataclass
class AmiUser:
    name: str
    read: frozenset[str] = frozenset()
    write: frozenset[str] = frozenset()


# -- the rules ------------------------------------------------------------------------------


def endpoint_findings(
    endpoints: Iterable[Endpoint], identifier_order: Iterable[str], source: str
) -> list[Finding]:
    order = {o.strip() for o in identifier_order}
    found = []
    if "anonymous" in order:
        found.append(Finding(DANGER, "pjsip global", "anonymous identification is on", source))
    for ep in endpoints:
        subject = f"endpoint {ep.name}"
        if ep.name == "anonymous":
            found.append(Finding(DANGER, subject, "every unidentified request lands here", source))
            continue
        if ep.auth:
            continue
        if ep.identify_by & BY_NAME and order & BY_NAME:
            found.append(
                Finding(
                    DANGER,
                    subject,
                    "no password, and matched by the user a request names: anyone who"
                    " reaches the SIP port can pose as it",
                    source,
                )
            )
        elif "ip" in ep.identify_by and ep.matches and not ep.acl:
            found.append(
                Finding(
                    WARNING,
                    subject,
                    f"identified by address ({', '.join(ep.matches)}) with no password and no ACL",
                    source,
                )
            )
    return found


def ami_findings(users: Iterable[AmiUser], bind: str, source: str) -> list[Finding]:
    found = []
    if bind and not bind.startswith(("127.", "::1", "[::1]", "localhost")):
        found.append(Finding(WARNING, "AMI", f"listens on {bind}: keep it off the network", source))
    for user in users:
        risky = sorted((user.read | user.write) & RISKY_AMI_RIGHTS)
        if risky:
            found.append(
                Finding(
                    WARNING,
                    f"AMI user {user.name}",
                    f"may use {', '.join(risky)}: run commands or change Asterisk",
                    source,
                )
            )
    return found


def module_findings(loaded: Iterable[str], source: str) -> list[Finding]:
    return [
        Finding(DANGER if name != "chan_sip" else WARNING, f"module {name}", why, source)
        for name in sorted(set(loaded))
        if (why := RISKY_MODULES.get(name))
    ]


# -- facts from the rendered files -----------------------------------------------------------

Section = tuple[str, dict[str, list[str]]]
_SECTION = re.compile(r"^\[([^\]]+)\](\(([^)]*)\))?")


def parse_conf(text: str) -> list[Section]:
    """An Asterisk .conf as (section name, key -> values) in order; a section name may
    come back several times (pjsip.conf), templates ('(!)') are left out."""
    sections: list[Section] = []
    current: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        header = _SECTION.match(line)
        if header:
            current = {}
            if "!" not in (header[3] or ""):
                sections.append((header[1].strip(), current))
            continue
        key, sep, value = line.partition("=")
        if sep and current is not None:
            current.setdefault(key.strip().rstrip(">").strip(), []).append(value.strip())
    return sections


def pjsip_facts(text: str) -> tuple[list[Endpoint], list[str]]:
    """Endpoints and the identifier order of a pjsip.conf."""
    sections = parse_conf(text)
    order = ["ip", "username"]
    endpoints: dict[str, Endpoint] = {}
    identifies: list[dict[str, list[str]]] = []
    for name, keys in sections:
        kind = (keys.get("type") or [""])[-1]
        if kind == "global" and "endpoint_identifier_order" in keys:
            order = keys["endpoint_identifier_order"][-1].split(",")
        elif kind == "endpoint":
            endpoints[name] = Endpoint(
                name,
                identify_by=_identify_by(keys.get("identify_by")),
                auth=bool((keys.get("auth") or [""])[-1]),
                acl=bool(keys.get("permit") or keys.get("deny") or keys.get("acl")),
            )
        elif kind == "identify":
            identifies.append(keys)
    for keys in identifies:
        owner = endpoints.get((keys.get("endpoint") or [""])[-1])
        if owner is not None:
            owner.matches += [m for value in keys.get("match", []) for m in value.split(",")]
    return list(endpoints.values()), [o.strip() for o in order]


def manager_facts(text: str) -> tuple[list[AmiUser], str]:
    users = []
    bind = ""
    for name, keys in parse_conf(text):
        if name == "general":
            bind = (keys.get("bindaddr") or [ALL_ADDRESSES])[-1]  # its default
        elif "secret" in keys:
            users.append(AmiUser(name, _rights(keys.get("read")), _rights(keys.get("write"))))
    return users, bind


def _identify_by(values: list[str] | None) -> frozenset[str]:
    if not values:
        return DEFAULT_IDENTIFY_BY
    return frozenset(v.strip() for v in values[-1].split(",") if v.strip())


def _rights(values: list[str] | None) -> frozenset[str]:
    return frozenset(r.strip() for v in values or [] for r in v.split(",") if r.strip())


def check_files(conf_dir: Path) -> list[Finding]:
    found: list[Finding] = []
    pjsip = conf_dir / "pjsip.conf"
    if pjsip.is_file():
        endpoints, order = pjsip_facts(pjsip.read_text(errors="replace"))
        found += endpoint_findings(endpoints, order, str(pjsip))
    manager = conf_dir / "manager.conf"
    if manager.is_file():
        users, bind = manager_facts(manager.read_text(errors="replace"))
        found += ami_findings(users, bind, str(manager))
    return found


# -- facts from the running Asterisk -------------------------------------------------------

Rx = Callable[[str], str]  # runs one Asterisk CLI command, returns what it printed
_ENDPOINT_LINE = re.compile(r"^\s*Endpoint:\s+([^\s<][^\s/]*)", re.MULTILINE)
_MATCH_LINE = re.compile(r"^\s*Match:\s+(\S+)", re.MULTILINE)
_PARAM = re.compile(r"^\s*([a-z_0-9]+)\s+:\s?(.*)$", re.MULTILINE)


def _params(text: str) -> dict[str, str]:
    return {m[1]: m[2].strip() for m in _PARAM.finditer(text)}


def check_live(rx: Rx) -> list[Finding]:
    source = "running Asterisk"
    order = _params(rx("pjsip show settings")).get("endpoint_identifier_order", "ip,username")
    endpoints = []
    for name in dict.fromkeys(_ENDPOINT_LINE.findall(rx("pjsip show endpoints"))):
        shown = rx(f"pjsip show endpoint {name}")
        params = _params(shown)
        endpoints.append(
            Endpoint(
                name,
                identify_by=_identify_by([params.get("identify_by", "")]),
                auth=bool(params.get("auth")),
                matches=_MATCH_LINE.findall(shown),
                acl=bool(params.get("acl")),
            )
        )
    found = endpoint_findings(endpoints, order.split(","), source)
    users = []
    for line in rx("manager show users").splitlines()[2:]:
        name = line.strip()
        if not name or name.startswith("-") or "manager users" in name:
            continue
        params = {
            k.strip(): v.strip()
            for k, _, v in (
                row.partition(":") for row in rx(f"manager show user {name}").splitlines()
            )
        }
        users.append(
            AmiUser(
                name,
                _rights([params.get("read perm", "")]),
                _rights([params.get("write perm", "")]),
            )
        )
    settings = rx("manager show settings")
    bind = next(
        (
            line.split(":", 1)[1].strip()
            for line in settings.splitlines()
            if "TCP Bindaddress" in line
        ),
        "",
    )
    found += ami_findings(users, bind, source)
    loaded = [
        module for module in RISKY_MODULES if "1 modules loaded" in rx(f"module show like {module}")
    ]
    found += module_findings(loaded, source)
    return found
