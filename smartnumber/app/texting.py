"""Use cases of texting: sending, injecting a text as if from the trunk, the outbox, text
codes, texting registration, suspensions and their email notices. Each takes the store
and returns model objects or view dicts (views.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import phone, settings
from ..access import Caller
from ..calls import identity
from ..directory import numbers, organisation
from ..errors import NotFound, UserError
from ..model import QueuedText, TextCode
from ..routing import revocation
from ..storage.repository import Store
from ..texting import (
    codes,
    compliance,
    consent,
    inbound,
    inbox,
    notices,
    outbound,
    outbox,
    report,
    suspension,
)
from . import views

CAMPAIGN_STATUSES = compliance.STATUSES
TOLLFREE_STATUSES = compliance.TOLLFREE_STATUSES


@dataclass(frozen=True)
class TextSent:
    sent: outbound.Sent  # what was decided (refused, warned, queued, suspended)
    state: QueuedText | None  # the queued text as it stands after waiting
    mailed: tuple[int, int] = (0, 0)  # admins' notices sent and still queued (suspension)


async def send_text(
    store: Store,
    agent: str,
    to: str,
    body: str,
    now: datetime,
    *,
    anyway: bool,
    wait_seconds: float,
    no_wait: bool = False,
) -> TextSent:
    """An agent's text: decided and queued at once, then up to `wait_seconds` for the
    routing service to hand it to Asterisk (not when it waits for the recipient's
    texting window; `no_wait`: refuse it then); a suspension it caused is emailed at once."""
    async with store.transaction() as repo:
        sent = await outbound.send(repo, agent, to, body, now, anyway=anyway, no_wait=no_wait)
        values = await settings.load(repo)
    if sent.queued is None:
        return TextSent(sent, None)
    within = 0.0 if sent.waits is not None else wait_seconds
    [state] = await outbox.outcome(store, [sent.queued], within)
    mailed = (0, 0)
    if sent.suspended:
        mailed = await notices.flush(store, notices.SmtpConfig.from_settings(values), lambda: now)
    return TextSent(sent, state, mailed)


async def send_text_as(
    store: Store,
    caller: Caller,
    agent: str | None,
    to: str,
    body: str,
    now: datetime,
    anyway: bool,
    no_wait: bool = False,
) -> dict[str, Any]:
    """A text from the HTTP API: as the agent the token may act for; queued (the routing
    service delivers it), refused with the reason, or held back by a spam warning."""
    async with store.snapshot() as repo:
        named = await organisation.agent_named(repo, agent) if agent else None
        acting = caller.acting_agent(named)
        await caller.check_number(repo, to)
    done = await send_text(
        store, acting.name, to, body, now, anyway=anyway, wait_seconds=0, no_wait=no_wait
    )
    sent = done.sent
    if sent.refused is not None:
        status = "refused"
    elif sent.warning is not None or sent.held is not None:
        status = "held"
    else:
        status = "queued"
    return {
        "status": status,
        "text_id": sent.queued,
        "agent": acting.name,
        "to": sent.contact,
        "reason": sent.refused or sent.warning or sent.held,
        "suspended": sent.suspended is not None,
        "waits_until": sent.waits.opens.isoformat() if sent.waits and sent.waits.opens else None,
    }


async def text_queue(store: Store, everything: bool, limit: int) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        return [views.queued_text(t) for t in await outbox.listing(repo, everything, limit)]


async def inject_text(
    store: Store, sender: str, to: str, body: str, now: datetime
) -> inbound.Handled:
    """A text handled as if it had come from the trunk: kept in the inbox and handled at
    once (its replies go to the outbox, for the routing service to send)."""
    arrived = inbox.Arrived(
        smart_number=phone.to_e164(to),
        sender=sender,
        from_header=f"<sip:{sender}@smartnumber-inject>",
        body=body,
    )
    text_id = await inbox.keep(store, arrived, "inject", now, within=10)
    assert text_id is not None  # a new message key each time
    handled = await inbox.handle_one(store, text_id, now)
    return handled or inbound.Handled(notes=["handled already by the routing service"])


async def flush_mail(store: Store, now: datetime) -> tuple[int, int]:
    """Send the queued notices now: (sent, still queued)."""
    async with store.transaction() as repo:
        config = notices.SmtpConfig.from_settings(await settings.load(repo))
    return await notices.flush(store, config, lambda: now)


async def list_suspensions(
    store: Store, everything: bool, now: datetime, agent_id: int | None = None
) -> list[dict[str, Any]]:
    """Suspensions in force (everything: also ended and lifted), newest first; one
    agent's only, with agent_id."""
    async with store.snapshot() as repo:
        names = await views.Names.load(repo)
        shown = [s for s in await repo.suspensions(agent_id) if everything or s.active(now)]
        emails = await repo.emails_of_suspensions([s.id for s in shown])
        return [views.suspension(s, names, now, emails[s.id]) for s in shown]


async def lift_suspension(store: Store, agent_name: str, reason: str, now: datetime) -> str:
    async with store.transaction() as repo:
        agent = await organisation.agent_named(repo, agent_name)
        await suspension.lift(repo, agent, reason, now)
        return agent.name


async def add_text_code(
    store: Store, code: str, reply: str, agent: str | None, number: str | None, now: datetime
) -> TextCode:
    async with store.transaction() as repo:
        return await codes.add(repo, code, reply, agent, number, now)


async def list_text_codes(store: Store) -> list[dict[str, Any]]:
    async with store.snapshot() as repo:
        return await codes.listing(repo)


async def remove_text_code(store: Store, code: str) -> None:
    async with store.transaction() as repo:
        await codes.remove(repo, code)


async def add_brand(store: Store, name: str, ein: str | None, now: datetime) -> int:
    async with store.transaction() as repo:
        return await compliance.add_brand(repo, name, ein, now)


async def add_campaign(
    store: Store, brand: str, use_case: str, samples: Sequence[str], now: datetime
) -> int:
    async with store.transaction() as repo:
        return await compliance.add_campaign(repo, brand, use_case, samples, now)


async def set_campaign_status(store: Store, campaign_id: int, status: str) -> None:
    async with store.transaction() as repo:
        await compliance.set_campaign_status(repo, campaign_id, status)


async def link_campaign(store: Store, number: str, campaign_id: int) -> str:
    async with store.transaction() as repo:
        return (await compliance.link(repo, number, campaign_id)).e164


async def tollfree_status(store: Store, number: str, status: str) -> str:
    async with store.transaction() as repo:
        return (await compliance.tollfree(repo, number, status)).e164


async def compliance_of(store: Store, number: str) -> dict[str, Any]:
    async with store.snapshot() as repo:
        shown = await compliance.show(repo, number)
        found = await numbers.number_called(repo, number)
        return shown | identity.view(await repo.caller_identity(found.id))


async def set_shaken(store: Store, number: str, status: str, attestation: str | None) -> str:
    async with store.transaction() as repo:
        return (await identity.set_shaken(repo, number, status, attestation)).e164


async def set_cnam(store: Store, number: str, name: str, status: str) -> str:
    async with store.transaction() as repo:
        return (await identity.set_cnam(repo, number, name, status)).e164


# -- revocation phrases (admins) ------------------------------------------------------------


async def add_optout_phrase(store: Store, phrase: str, now: datetime) -> str:
    """A phrase that, anywhere in a text (as whole words), opts the sender out."""
    wanted = revocation.normalised(phrase)
    if len(wanted) < 4 or len(wanted) > 100:
        raise UserError(
            "a phrase is 4-100 letters and digits (case, accents and punctuation aside)"
        )
    if revocation.classify(wanted).verdict is revocation.Verdict.REVOKE:
        raise UserError(f"{wanted!r} is a revocation already (the built-in rules read it so)")
    async with store.transaction() as repo:
        if not await repo.add_optout_phrase(wanted, now):
            raise UserError(f"the phrase {wanted!r} is there already")
    return wanted


async def optout_phrases(store: Store) -> list[str]:
    async with store.snapshot() as repo:
        return await repo.optout_phrases()


async def remove_optout_phrase(store: Store, phrase: str) -> str:
    wanted = revocation.normalised(phrase)
    async with store.transaction() as repo:
        if not await repo.remove_optout_phrase(wanted):
            raise NotFound(f"no phrase {wanted!r} (see `smartnumber optout phrase list`)")
    return wanted


# -- the consent ledger ------------------------------------------------------------------


async def add_consent(
    store: Store, number: str, method: str, evidence: str, at: datetime
) -> dict[str, str]:
    async with store.transaction() as repo:
        return consent.view(await consent.record(repo, number, method, evidence, at))


async def consent_ledger(store: Store, number: str) -> list[dict[str, str]]:
    async with store.snapshot() as repo:
        return [consent.view(e) for e in await consent.ledger(repo, number)]


# -- the compliance report -----------------------------------------------------------------

REPORT_PAGE = 5000
REPORT_STRANGERS = 10_000  # opt-outs of numbers that are no contact, listed at most


async def compliance_report(store: Store, since: datetime, until: datetime) -> dict[str, Any]:
    """Per Smart Number and agent over [since, until): texts sent, refused by reason,
    held; opt-outs by wording; the numbers texted without recorded consent."""
    if since >= until:
        raise UserError("--since must be before --until")
    async with store.snapshot() as repo:
        names = await views.Names.load(repo)
        built = report.Report()
        start, after_id = since, 0
        while page := await repo.texting_activities(start, until, after_id, REPORT_PAGE):
            for entry in page:
                built.add(entry)
            start, after_id = page[-1].at, page[-1].id
        for stranger in await repo.stranger_opt_outs(since, until, REPORT_STRANGERS):
            built.add_stranger_opt_out(stranger)
        texted = sorted(built.texted)
        lacking = sorted(set(texted) - await repo.consented_among(texted))

    def rows(tallies: dict[int | None, report.Tally], label: str, name: Any) -> list[Any]:
        return [
            {label: name(key) if key is not None else "-"} | tally.as_dict()
            for key, tally in sorted(tallies.items(), key=lambda kv: str(name(kv[0])))
        ]

    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "numbers": rows(built.by_number, "number", lambda i: names.numbers.get(i, "-")),
        "agents": rows(built.by_agent, "agent", lambda i: names.agents.get(i, "-")),
        "opt_outs": [{"wording": w, "count": c} for w, c in built.opt_outs.most_common()],
        "opt_outs_of_non_contacts": [
            {"number": e.e164, "at": e.at.isoformat(), "said": e.evidence} for e in built.strangers
        ],
        "texted_without_consent": {"count": len(lacking), "numbers": lacking[:100]},
    }
