"""What the templates are rendered from: plain data gathered from the database."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ... import media, settings, storage
from ...directory import numbers
from ...model import Ring, SmartNumber
from ...storage.repository import Repository
from .. import dial, names
from .filters import uri_host


@dataclass(frozen=True)
class NumberView:
    e164: str
    digits: str  # without '+': the form some trunks send
    context: str  # the dialplan context of this DID
    label: str  # who owns it, for comments
    fallback_agent: str | None
    fallback_dial: str | None  # what the dialplan dials when the service is unreachable


@dataclass(frozen=True)
class AgentView:
    name: str
    endpoint: str  # pjsip section name
    sip_contact: str | None
    sip_secret: str | None
    active: bool
    static_host: str | None = None  # the IP of a fixed sip_contact: identify and ACL by it


_CONTACT_HOST = re.compile(r"^sip:(?:[^@]+@)?([^:;]+)")
LOOPBACK_NETWORKS = ("127.0.0.0/8", "::1/128")


def static_host(sip_contact: str | None) -> str | None:
    """The IP address of a fixed SIP contact (sip:[user@]IP[:port]); None for a host name
    (it cannot go in an ACL) or for a phone that registers."""
    match = _CONTACT_HOST.match(sip_contact or "")
    if not match:
        return None
    try:
        return str(ipaddress.ip_address(match[1]))
    except ValueError:
        return None


def _networks_only(items: list[str]) -> list[str]:
    """The items as networks, if every one is an address or network; else [] (an ACL of
    host names cannot be written, so none is written and the identify section decides)."""
    try:
        return [str(ipaddress.ip_network(item, strict=False)) for item in items]
    except ValueError:
        return []


def trunk_view(values: dict[str, str]) -> dict[str, Any]:
    """How the carrier is recognised: by address (trunk.match, else trunk.host), and by
    digest credentials too when the admin set them."""
    match = [m for m in values["trunk.match"].split(",") if m] or [values["trunk.host"]]
    auth = bool(values["trunk.username"] and values["trunk.password"])
    # With credentials and no explicit trunk.match, the carrier may send from anywhere.
    permit = [] if auth and not values["trunk.match"] else _networks_only(match)
    return {"match": match, "permit": permit, "auth": auth}


def ami_view(values: dict[str, str]) -> dict[str, Any]:
    """Who may log in to the AMI: this host (loopback, and the bind address itself when
    it is a real one), plus the admin's ami.permit networks."""
    extra = [n for n in values["ami.permit"].split(",") if n]
    local = list(LOOPBACK_NETWORKS)
    bind = ipaddress.ip_address(values["ami.bind"])
    if not bind.is_unspecified and not bind.is_loopback:
        local.append(str(ipaddress.ip_network(bind)))
    return {"permit": list(dict.fromkeys(local + extra)), "extra_permit": extra}


async def _label(repo: Repository, number: SmartNumber) -> str:
    if number.agent_id is not None:
        agent = await repo.agent_by_id(number.agent_id)
        return f"personal: {agent.name if agent else '?'}"
    if number.team_id is not None:
        team = await repo.team_by_id(number.team_id)
        return f"team: {team.name if team else '?'}"
    office = await repo.office_by_id(number.office_id or 0)
    return f"office: {office.name if office else '?'}"


async def build(repo: Repository, db: str | Path) -> dict[str, Any]:
    """The template context: settings, Smart Numbers with fallbacks, agent endpoints, and
    where prompts and recordings live (the media directory, beside the database `db`
    unless the media.dir setting says otherwise)."""
    values = await settings.load(repo)
    media_dir = media.directory(values, storage.home(db))
    smart_numbers = []
    for number in await repo.list_numbers():
        fallback = await numbers.fallback_agent(repo, number)
        smart_numbers.append(
            NumberView(
                e164=number.e164,
                digits=number.e164.lstrip("+"),
                context=names.did_context(number.e164),
                label=await _label(repo, number),
                fallback_agent=fallback.name if fallback else None,
                fallback_dial=dial.target(Ring.agent(fallback)) if fallback else None,
            )
        )
    agents = [
        AgentView(
            a.name,
            a.endpoint_name,
            a.sip_contact,
            a.sip_secret,
            a.active,
            static_host(a.sip_contact),
        )
        for a in await repo.list_agents()
        if a.endpoint_name
    ]
    return {
        "settings": values,
        "numbers": smart_numbers,
        "agents": agents,
        "carrier": trunk_view(values),
        "ami": ami_view(values),
        "agi": {
            "address": f"{uri_host(values['agi.host'])}:{values['agi.port']}",
            "token": values["agi.token"],
        },
        "media": {
            "dir": str(media_dir),
            "prompts": str(media.prompt_dir(media_dir)),
            "recordings": str(media.recording_dir(media_dir)),
            "inbox": str(media.inbox_dir(media_dir)),
        },
    }
