"""The demo company: an office, teams, agents on loopback phones, numbers registered
to text, contacts with a little history, so a fresh install can be tried without a phone."""

from __future__ import annotations

from datetime import datetime, timedelta

from .. import settings
from ..directory import contacts, numbers, organisation
from ..storage.repository import Repository
from ..texting import compliance

# Demo agents' phones are sipp parties on their own loopback addresses.
DEMO_AGENTS = (
    # name, cell, endpoint, static contact, office, team, admin
    ("Alice Admin", "+12125550101", "PJSIP/alice", "sip:127.0.0.11:5060", "Downtown", None, True),
    ("Bob Baker", "+12125550102", "PJSIP/bob", "sip:127.0.0.12:5060", "Downtown", "Sales", False),
    (
        "Carol Chen",
        "+12125550103",
        "PJSIP/carol",
        "sip:127.0.0.13:5060",
        "Downtown",
        "Sales",
        False,
    ),
    # Dana registers a softphone (user dana, password from `agent show`).
    ("Dana Diaz", "+12125550104", "PJSIP/dana", None, "Downtown", "Rentals", False),
)
DEMO_NUMBERS = (
    ("+12125550100", "office", "Downtown"),
    ("+12125550110", "team", "Sales"),
    ("+12125550120", "personal", "Bob Baker"),
)
DEMO_BRAND = "Downtown Realty"
DEMO_CONTACTS = (
    ("Grace Hopper", ("+12125550150",), "Bob Baker"),
    ("Alan Turing", ("+12125550151", "+13125550151"), "Carol Chen"),
    ("Ada Lovelace", ("+12125550152",), None),
    ("Pat Smith", ("+12125550153",), "Carol Chen"),  # shared home line
    ("Sam Smith", ("+12125550153",), "Bob Baker"),
)


async def load(repo: Repository, now: datetime) -> bool:
    """Provision the demo company; False (and nothing changed) if it is already there."""
    if await repo.office_by_name("Downtown"):
        return False
    await settings.ensure_defaults(repo)
    await organisation.add_office(repo, "Downtown")
    for team_name in ("Sales", "Rentals"):
        await organisation.add_team(repo, team_name, "Downtown")
    for name, cell, endpoint, contact, office, team, admin in DEMO_AGENTS:
        await organisation.add_agent(
            repo,
            name,
            cell,
            endpoint=endpoint,
            sip_contact=contact,
            office_name=office,
            team_name=team,
            admin=admin,
            email=f"{name.split()[0].lower()}@example.com",
        )
    for number, scope, owner in DEMO_NUMBERS:
        await numbers.add_number(repo, number, scope, owner)
    # Registered for texting, as a real company's numbers would be before they text.
    await settings.set_value(repo, "company.name", DEMO_BRAND)
    await compliance.add_brand(repo, DEMO_BRAND, None, now)
    samples = [f"{DEMO_BRAND}: your viewing is at 5pm. Reply STOP to opt out."] * 2
    campaign = await compliance.add_campaign(repo, DEMO_BRAND, "customer care", samples, now)
    await compliance.set_campaign_status(repo, campaign, "approved")
    for number, _, _ in DEMO_NUMBERS:
        await compliance.link(repo, number, campaign)
    for contact_name, phones, contact_owner in DEMO_CONTACTS:
        await contacts.add_contact(
            repo, contact_name, phones, now=now, owner=contact_owner, source="demo"
        )
    timeline: tuple[tuple[str, str | None, str, str, str, int, str | None], ...] = (
        ("+12125550150", None, "Carol Chen", "email", "outbound", 20, "New listings on 5th Ave"),
        ("+12125550150", None, "Bob Baker", "text", "outbound", 3, "Still interested?"),
        ("+12125550151", None, "Carol Chen", "search_alert", "outbound", 2, "3 new matches"),
        ("+12125550153", "Pat Smith", "Carol Chen", "call", "outbound", 10, None),
        ("+12125550153", "Sam Smith", "Bob Baker", "text", "inbound", 1, "Call me back"),
    )
    for number, which, agent, kind, direction, days_ago, detail in timeline:
        await contacts.add_activity(
            repo,
            contact_number=number,
            contact_name=which,
            agent=agent,
            kind=kind,
            direction=direction,
            at=now - timedelta(days=days_ago),
            detail={"text": detail} if detail else {},
            external_id=None,
        )
    return True
