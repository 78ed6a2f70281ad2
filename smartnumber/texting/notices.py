"""Email to admins: suspension notices, queued in the database and sent over SMTP.

A notice is queued in the same transaction as the suspension, so it cannot be lost;
flush() sends what is queued and leaves what fails for the next try (the routing
service flushes every minute; `smartnumber mail flush` does it at once). smtplib, from
the standard library, runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from .. import claims
from ..model import Agent, Email, Suspension
from ..storage.repository import Repository, Store

BATCH = 100
LEASE = timedelta(minutes=2)  # a claimed batch is ours this long; a dead worker's is free after
LEASE_MARGIN = timedelta(seconds=40)  # no email begun with less left (smtplib: 10 s per step)

RETRY_SECONDS = 60


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: str  # none | starttls | tls
    username: str
    password: str
    sender: str

    @classmethod
    def from_settings(cls, values: Mapping[str, str]) -> SmtpConfig:
        return cls(
            values["smtp.host"],
            int(values["smtp.port"]),
            values["smtp.tls"],
            values["smtp.username"],
            values["smtp.password"],
            values["smtp.from"],
        )


def suspension_notice(agent: Agent, suspension: Suspension) -> tuple[str, str]:
    """Subject and body of the admins' email: who, which pattern, the evidence, until."""
    lines = [
        f"{agent.name} has been suspended from starting texts until"
        f" {suspension.ends_at:%Y-%m-%d %H:%M} UTC.",
        "",
        f"Pattern: {suspension.pattern}",
        f"What happened: {suspension.summary}",
        "",
        "Evidence:",
        *(
            f"  {e['at'][:16].replace('T', ' ')}  {e['lead']}  {e['what']}"
            for e in suspension.evidence
        ),
        "",
        f"{agent.name} can still reply to leads who texted first. Only {agent.name} is"
        " affected; the rest of the team keeps texting.",
        f"To lift it early: smartnumber suspension lift {agent.name!r} --reason '...'",
    ]
    return f"Texting suspended: {agent.name} ({suspension.pattern})", "\n".join(lines)


async def queue_suspension_notices(
    repo: Repository, agent: Agent, suspension: Suspension, now: datetime
) -> int:
    """One email per company admin with an address; how many were queued."""
    subject, body = suspension_notice(agent, suspension)
    admins = [a for a in await repo.list_agents() if a.admin and a.email]
    for admin in admins:
        assert admin.email is not None
        await repo.queue_email(admin.email, subject, body, now, suspension.id)
    return len(admins)


class PlainTextLogin(smtplib.SMTPException):
    """A login that would send the password in the clear: refused before connecting."""


def _send(config: SmtpConfig, email: Email) -> None:
    if config.username and config.tls == "none":
        raise PlainTextLogin(
            "not logging in to the mail server over plain text: set smtp.tls to starttls or tls"
        )
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message.set_content(email.body)
    if config.tls == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, config.port, timeout=10, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=10)
    with client:
        if config.tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        if config.username:
            client.login(config.username, config.password)
        client.send_message(message)


async def flush(
    store: Store, config: SmtpConfig, now: Callable[[], datetime], *, worker: str | None = None
) -> tuple[int, int]:
    """Send what is queued; (sent, still queued). Failures stay queued with the error.

    The service and `mail flush` (and other services on the database) may flush at once:
    the emails are claimed for this worker first, with a lease, and none is begun with
    less than LEASE_MARGIN of it left."""
    worker = worker or claims.worker_name()
    async with store.transaction() as repo:
        lease_until = now() + LEASE
        waiting = await repo.claim_emails(worker, now(), lease_until, BATCH)
    sent = 0
    for email in waiting:
        if lease_until - now() < LEASE_MARGIN:
            break  # the rest are claimed again once the lease is over
        try:
            await asyncio.to_thread(_send, config, email)
        except (OSError, smtplib.SMTPException) as exc:
            async with store.transaction() as repo:
                await repo.email_failed(email.id, f"{type(exc).__name__}: {exc}", worker=worker)
            continue
        async with store.transaction() as repo:
            await repo.email_sent(email.id, now())  # sent is sent, whoever holds it now
        sent += 1
    return sent, len(waiting) - sent
