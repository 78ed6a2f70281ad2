"""The consent ledger (47 CFR 64.1200(a)(2): prior express written consent for marketing
texts): how and when each number consented -- a web form, a text code, verbally, an
import -- with the evidence, and every opt-out and opt-in after it, never rewritten.

With `texting.require_consent` on, a text an agent starts to a number with no recorded
consent is refused; a reply to a lead who texted first is not (they started it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from .. import phone
from ..errors import UserError
from ..model import ConsentEvent, ConsentMethod
from ..storage.repository import Compliance, Repository
from ..webhooks import events

MAX_EVIDENCE = 500
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def method_of(text: str) -> ConsentMethod:
    try:
        return ConsentMethod(text.strip().lower())
    except ValueError:
        known = ", ".join(m.value for m in ConsentMethod)
        raise UserError(f"consent method must be one of {known}, not {text[:30]!r}") from None


async def record(
    repo: Compliance, number_text: str, method: str, evidence: str, at: datetime
) -> ConsentEvent:
    """A consent, with what shows it (the form, the words, who heard it...)."""
    evidence = " ".join(evidence.split())
    if not evidence:
        raise UserError("say what shows the consent (--evidence): a form id, the words, who")
    if len(evidence) > MAX_EVIDENCE:
        raise UserError(f"the evidence is at most {MAX_EVIDENCE} characters")
    event = ConsentEvent(phone.to_e164(number_text), "consent", at, method_of(method), evidence)
    await repo.add_consent_event(event)
    return event


async def opt(
    repo: Repository,
    number: str,
    out: bool,
    at: datetime,
    *,
    contact_ids: Sequence[int],
    text: str | None,
    by: str | None = None,
) -> None:
    """An opt-out (`out`) or opt-in of `number`: kept (the store writes it to the ledger
    too) and told to the CRM, once for each contact it is about (or once for nobody)."""
    evidence = " ".join((text or by or "").split())[:MAX_EVIDENCE]
    await repo.set_opted_out(number, out, at, evidence)
    kind = events.CONTACT_OPTED_OUT if out else events.CONTACT_OPTED_IN
    about: list[int | None] = list(contact_ids) or [None]
    for contact_id in about:
        data = {"number": number, "contact_id": contact_id, "text": text}
        await events.publish(
            repo, kind, data | ({"by": by} if by else {}), at=at, contact_id=contact_id
        )


async def ledger(repo: Compliance, number_text: str) -> list[ConsentEvent]:
    return await repo.consent_events(phone.to_e164(number_text))


async def refusal(repo: Repository, to: str, required: bool) -> str | None:
    """Why a text an agent starts to `to` needs consent it does not have, or None."""
    if not required or await repo.consented(to):
        return None
    if await repo.texts_from([to], EPOCH):
        return None  # the lead texted first
    return "no recorded consent (texting.require_consent; `smartnumber consent add`)"


def view(event: ConsentEvent) -> dict[str, str]:
    return {
        "at": event.at.isoformat(),
        "event": event.event,
        "method": event.method,
        "evidence": event.evidence,
    }
