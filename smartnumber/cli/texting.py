"""Commands for texting: send, inject, the outbox, text codes, registration, suspensions
and their email. Each parses, calls one use case (app/texting.py), presents."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from .. import clock
from ..app import carriers as carrier_cases
from ..app import texting as cases
from ..errors import UserError
from ..model import TextStatus
from . import output
from .base import JSON_OPTION, cli, run


@cli.group()
def text() -> None:
    """Texts from and to Smart Numbers (SIP MESSAGE over the trunk). Every text that
    leaves goes through the outbox; the routing service (`serve`) delivers it."""


@text.command("send")
@click.option("--agent", "agent_name", required=True, help="Who sends it (their Smart Number).")
@click.option("--to", "to", required=True, metavar="NUMBER", help="The contact's number.")
@click.option(
    "--anyway",
    is_flag=True,
    help="Send all the same: after reading a lead's message that may ask to stop (the"
    " hold is lifted), or a text that trips a spam rule (and be suspended).",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="Outside the recipient's texting window (quiet hours): refuse instead of queueing.",
)
@click.option(
    "--wait",
    "wait_seconds",
    default=1.5,
    show_default=True,
    type=click.FloatRange(0, 300),
    help="Seconds to wait for the routing service to hand it to Asterisk (0: not at all).",
)
@click.argument("message")
def text_send(
    agent_name: str, to: str, message: str, anyway: bool, no_wait: bool, wait_seconds: float
) -> None:
    """Text a contact from the agent's Smart Number (personal > team > office). Refused,
    with a note on the timeline, to numbers that opted out, landlines, from numbers not
    registered to text, and while the agent is suspended (unless the lead texted first).
    A text that would trip a spam rule is held back with a warning, and so is the next
    text to a lead whose message may have asked to stop. Outside the recipient's texting
    window (8:00-21:00 their time, stricter in some states) it waits until the window
    opens, unless it answers their own text of the last hour (--no-wait: refuse). The text
    is queued at once; if Asterisk (or the number's carrier) cannot be reached it waits in
    the outbox."""
    result = run(
        lambda store: cases.send_text(
            store,
            agent_name,
            to,
            message,
            clock.now(),
            anyway=anyway,
            wait_seconds=wait_seconds,
            no_wait=no_wait,
        )
    )
    sent, state = result.sent, result.state
    if sent.held:
        raise UserError(
            f"held: {sent.held}. Read it; if they did not ask to stop, send again with --anyway"
        )
    if sent.warning:
        raise UserError(
            f"not sent: {sent.warning}. Change the message, or send it with --anyway and be"
            " suspended from starting texts for 30 days"
        )
    if sent.outgoing is None or state is None:
        raise UserError(sent.refused or "not sent")
    if sent.suspended:
        delivered, waiting = result.mailed
        click.echo(
            f"{agent_name} is now suspended from starting texts until"
            f" {sent.suspended.ends_at:%Y-%m-%d %H:%M} UTC: {sent.suspended.summary}"
        )
        click.echo(
            f"admins emailed: {delivered}"
            + (f"; {waiting} queued, retried by the routing service" if waiting else "")
        )
    if state.status in (TextStatus.CANCELLED, TextStatus.FAILED):
        raise UserError(f"not sent to {state.recipient}: {state.last_error}")
    if state.status is TextStatus.SENT:
        click.echo(f"sent to {state.recipient} from {state.sender}")
    elif sent.waits is not None and sent.waits.opens is not None:
        opens = sent.waits.opens.astimezone(sent.waits.local.tzinfo)
        click.echo(
            f"queued for {state.recipient} from {state.sender} (text {state.id}): quiet hours,"
            f" {sent.waits.explain()}; it goes at {opens:%Y-%m-%d %H:%M} their time"
            f" ({sent.waits.opens:%H:%M} UTC)"
        )
    else:
        click.echo(
            f"queued for {state.recipient} from {state.sender} (text {state.id}): the routing"
            " service sends it once Asterisk (or the number's carrier) can be reached; see"
            " `smartnumber text queue`"
        )


@text.command("queue")
@click.option("--all", "everything", is_flag=True, help="Also the latest sent, failed, etc.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10000))
@JSON_OPTION
def text_queue(everything: bool, limit: int, as_json: bool) -> None:
    """Texts waiting in the outbox for the routing service to deliver, newest first
    (--all: with what became of the latest others)."""
    rows = run(lambda store: cases.text_queue(store, everything, limit))
    if as_json:
        output.emit_json(rows)
        return
    for row in rows:
        row["queued_at"] = output.when(row["queued_at"])
    columns = ["id", "queued_at", "status", "delivery", "to", "from", "purpose", "attempts"]
    columns += ["reason", "text"]
    output.table(rows, columns, "nothing waits in the outbox")


@text.command("inject")
@click.option("--from", "sender", required=True, metavar="NUMBER", help="Who texted.")
@click.option("--to", "to", required=True, metavar="SMART-NUMBER", help="Which Smart Number.")
@click.argument("message")
def text_inject(sender: str, to: str, message: str) -> None:
    """Handle a text as if it had arrived on the trunk (text codes, opt-outs, forwards):
    the same code path as a real one; its replies go to the outbox and the routing
    service sends them for real."""
    handled = run(lambda store: cases.inject_text(store, sender, to, message, clock.now()))
    for note in handled.notes:
        output.line(note)
    for queued in handled.queued:
        out = queued.message
        state = f"refused: {queued.refused}" if queued.refused else "queued"
        output.line(f"-> {out.to} ({out.purpose}, {state}): {out.body}")


# -- text codes -------------------------------------------------------------------------------


@cli.group()
def consent() -> None:
    """The consent ledger: how and when each number consented to texts, with the
    evidence, and every opt-out and opt-in since (setting texting.require_consent)."""


@consent.command("add")
@click.argument("number", metavar="NUMBER")
@click.option(
    "--method",
    required=True,
    type=click.Choice(["web-form", "text-code", "verbal", "import"]),
    help="How they consented.",
)
@click.option("--evidence", required=True, help="What shows it: a form id, their words, who.")
@click.option("--at", "at_text", metavar="ISO-TIME", help="When (default: now).")
def consent_add(number: str, method: str, evidence: str, at_text: str | None) -> None:
    """Record that NUMBER consented to texts."""
    at = clock.parse_iso(at_text) if at_text else clock.now()
    made = run(lambda store: cases.add_consent(store, number, method, evidence, at))
    click.echo(f"consent recorded: {made['method']} at {output.when(made['at'])}")


@consent.command("show")
@click.argument("number", metavar="NUMBER")
@JSON_OPTION
def consent_show(number: str, as_json: bool) -> None:
    """NUMBER's ledger, oldest first."""
    rows = run(lambda store: cases.consent_ledger(store, number))
    if as_json:
        output.emit_json(rows)
        return
    for row in rows:
        row["at"] = output.when(row["at"])
    output.table(rows, ["at", "event", "method", "evidence"], "no consent or opt-out recorded")


@cli.group()
def optout() -> None:
    """How texts that revoke consent are recognised (docs/compliance.md): the standard
    words, other clear requests to stop in English, Spanish and French, and your own
    phrases."""


@optout.group("phrase")
def optout_phrase() -> None:
    """Phrases of your own: a text containing one (as whole words; case, accents and
    punctuation aside) opts its sender out, like STOP."""


@optout_phrase.command("add")
@click.argument("phrase")
def optout_phrase_add(phrase: str) -> None:
    """Add a phrase, e.g. 'take a hike'."""
    added = run(lambda store: cases.add_optout_phrase(store, phrase, clock.now()))
    click.echo(f"phrase added: {added!r}")


@optout_phrase.command("list")
@JSON_OPTION
def optout_phrase_list(as_json: bool) -> None:
    """The phrases admins added."""
    phrases = run(cases.optout_phrases)
    if as_json:
        output.emit_json(phrases)
    else:
        for phrase in phrases:
            output.line(phrase)
        if not phrases:
            click.echo("no phrases of your own: the built-in rules apply")


@optout_phrase.command("remove")
@click.argument("phrase")
def optout_phrase_remove(phrase: str) -> None:
    removed = run(lambda store: cases.remove_optout_phrase(store, phrase))
    click.echo(f"phrase removed: {removed!r}")


@cli.group()
def textcode() -> None:
    """Text codes: a keyword people text to a Smart Number to become a lead."""


@textcode.command("add")
@click.argument("code")
@click.option("--reply", required=True, help="The auto-reply the texter gets.")
@click.option("--agent", "agent_name", help="New leads go to this agent.")
@click.option("--number", "number_text", help="New leads are routed by this number's routing.")
def textcode_add(code: str, reply: str, agent_name: str | None, number_text: str | None) -> None:
    """Create a text code (2-20 letters or digits; not STOP, HELP or the like)."""
    added = run(
        lambda store: cases.add_text_code(store, code, reply, agent_name, number_text, clock.now())
    )
    click.echo(f"text code {added.code.upper()} added")


@textcode.command("list")
@JSON_OPTION
def textcode_list(as_json: bool) -> None:
    """All text codes."""
    rows = run(cases.list_text_codes)
    output.emit_json(rows) if as_json else output.table(
        rows, ["code", "reply", "agent", "number"], "no text codes"
    )


@textcode.command("remove")
@click.argument("code")
def textcode_remove(code: str) -> None:
    """Remove a text code (its leads stay)."""
    run(lambda store: cases.remove_text_code(store, code))
    click.echo(f"text code {code.strip().upper()} removed")


# -- texting registration ---------------------------------------------------------------------


def identity_statuses() -> list[str]:
    return ["pending", "approved", "rejected"]


@cli.group("compliance")
def compliance_group() -> None:
    """Texting registration: 10DLC brands and campaigns, toll-free verification."""


@compliance_group.group("brand")
def compliance_brand() -> None:
    """A2P 10DLC brands (the business that texts)."""


@compliance_brand.command("add")
@click.argument("name")
@click.option("--ein", help="The business's tax id, as registered.")
def compliance_brand_add(name: str, ein: str | None) -> None:
    """Register a brand."""
    run(lambda store: cases.add_brand(store, name, ein, clock.now()))
    click.echo(f"brand {' '.join(name.split())} added")


@compliance_group.group("campaign")
def compliance_campaign() -> None:
    """A2P 10DLC campaigns: what a brand texts about."""


@compliance_campaign.command("add")
@click.option("--brand", required=True)
@click.option("--use-case", required=True, help="e.g. 'customer care', 'marketing'.")
@click.option(
    "--sample",
    "samples",
    multiple=True,
    help="A sample message naming the business and saying STOP to opt out (at least two).",
)
def compliance_campaign_add(brand: str, use_case: str, samples: tuple[str, ...]) -> None:
    """Register a campaign (pending until `set-status ID approved`)."""
    campaign_id = run(
        lambda store: cases.add_campaign(store, brand, use_case, samples, clock.now())
    )
    click.echo(f"campaign {campaign_id} added (pending)")


@compliance_campaign.command("set-status")
@click.argument("campaign_id", metavar="ID", type=int)
@click.argument("status", type=click.Choice(cases.CAMPAIGN_STATUSES))
def compliance_campaign_status(campaign_id: int, status: str) -> None:
    """Record the registry's verdict on a campaign."""
    run(lambda store: cases.set_campaign_status(store, campaign_id, status))
    click.echo(f"campaign {campaign_id}: {status}")


@compliance_group.command("link")
@click.argument("number", metavar="NUMBER")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
def compliance_link(number: str, campaign_id: int) -> None:
    """Link a US local Smart Number to a campaign."""
    linked = run(lambda store: cases.link_campaign(store, number, campaign_id))
    click.echo(f"{linked} linked to campaign {campaign_id}")


@compliance_group.command("tollfree")
@click.argument("number", metavar="NUMBER")
@click.argument("status", type=click.Choice(cases.TOLLFREE_STATUSES))
def compliance_tollfree(number: str, status: str) -> None:
    """Record a toll-free number's verification status."""
    found = run(lambda store: cases.tollfree_status(store, number, status))
    click.echo(f"{found}: toll-free verification {status}")


@compliance_group.command("shaken")
@click.argument("number", metavar="NUMBER")
@click.option("--status", required=True, type=click.Choice(identity_statuses()))
@click.option(
    "--attestation", type=click.Choice(["A", "B", "C"]), help="What calls are signed with."
)
def compliance_shaken(number: str, status: str, attestation: str | None) -> None:
    """Record a number's SHAKEN/STIR registration, as your carrier reports it."""
    found = run(lambda store: cases.set_shaken(store, number, status, attestation))
    click.echo(
        f"{found}: SHAKEN/STIR {status}" + (f", attestation {attestation}" if attestation else "")
    )


@compliance_group.command("cnam")
@click.argument("number", metavar="NUMBER")
@click.argument("name")
@click.option(
    "--status",
    default="pending",
    show_default=True,
    type=click.Choice(identity_statuses()),
    help="approved: outbound legs show NAME as the caller name.",
)
def compliance_cnam(number: str, name: str, status: str) -> None:
    """Record a number's CNAM caller name: at most 15 characters, letters, digits, spaces
    and . & - only, at least 2 letters."""
    found = run(lambda store: cases.set_cnam(store, number, name, status))
    click.echo(f"{found}: CNAM {' '.join(name.split())!r} {status}")


@compliance_group.command("report")
@click.option("--since", "since_text", metavar="ISO-TIME", help="From (default: 30 days ago).")
@click.option("--until", "until_text", metavar="ISO-TIME", help="Until (default: now).")
@JSON_OPTION
def compliance_report(since_text: str | None, until_text: str | None, as_json: bool) -> None:
    """The page for your lawyer: per Smart Number and agent, texts sent, refused by
    reason and held for confirmation; opt-outs by their wording; numbers texted without
    recorded consent (docs/compliance.md says what each rule is)."""
    until = clock.parse_iso(until_text) if until_text else clock.now()
    since = clock.parse_iso(since_text) if since_text else until - timedelta(days=30)
    data = run(lambda store: cases.compliance_report(store, since, until))
    if as_json:
        output.emit_json(data)
        return
    output.line(f"compliance report {output.when(data['since'])} to {output.when(data['until'])}")
    for part, label in (("numbers", "number"), ("agents", "agent")):
        rows = [
            r | {"refused": "; ".join(f"{why} x{n}" for why, n in r["refused"].items()) or "-"}
            for r in data[part]
        ]
        output.line("")
        output.table(rows, [label, "sent", "held", "refused"], f"no texts by any {label}")
    output.line("")
    output.table(data["opt_outs"], ["wording", "count"], "no opt-outs")
    if data["opt_outs_of_non_contacts"]:
        output.line("")
        output.line("opt-outs of numbers that are no contact:")
        for row in data["opt_outs_of_non_contacts"]:
            output.line(f"  {row['number']} at {output.when(row['at'])}: {row['said'] or '-'}")
    lacking = data["texted_without_consent"]
    output.line("")
    output.line(f"numbers texted without recorded consent: {lacking['count']}")
    for number in lacking["numbers"]:
        output.line(f"  {number}")


@compliance_group.command("show")
@click.argument("number", metavar="NUMBER")
@JSON_OPTION
def compliance_show(number: str, as_json: bool) -> None:
    """May this Smart Number text, and if not, which registration is missing? With its
    SHAKEN/STIR and CNAM registrations."""
    data = run(lambda store: cases.compliance_of(store, number))
    output.emit_json(data) if as_json else output.record(data)


# -- suspensions and their email --------------------------------------------------------------


@cli.group("mail")
def mail_group() -> None:
    """Email waiting to go to admins (suspension notices)."""


@mail_group.command("flush")
def mail_flush() -> None:
    """Send queued email now (the routing service also retries every minute)."""
    delivered, waiting = run(lambda store: cases.flush_mail(store, clock.now()))
    click.echo(f"sent {delivered}, still queued {waiting}")
    if waiting:
        raise UserError(f"{waiting} email(s) could not be sent; see settings smtp.*")


@cli.group("suspension")
def suspension_group() -> None:
    """Agents suspended from starting texts (spam protection, SPEC 7)."""


@suspension_group.command("list")
@click.option("--all", "everything", is_flag=True, help="Also ended and lifted ones.")
@JSON_OPTION
def suspension_list(everything: bool, as_json: bool) -> None:
    """Suspensions in force (the dashboard banner), newest first."""
    rows = run(lambda store: cases.list_suspensions(store, everything, clock.now()))
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        rows, ["id", "agent", "pattern", "until", "status", "summary"], "nobody is suspended"
    )


@suspension_group.command("lift")
@click.argument("agent_name", metavar="AGENT")
@click.option("--reason", required=True, help="Why it is lifted early (kept on the record).")
def suspension_lift(agent_name: str, reason: str) -> None:
    """Lift an agent's suspension before its 30 days are over."""
    name = run(lambda store: cases.lift_suspension(store, agent_name, reason, clock.now()))
    click.echo(f"{name} may start texts again")


# -- SMS carriers ------------------------------------------------------------------------------


@cli.group()
def carrier() -> None:
    """SMS carriers: SIP MESSAGE over the trunk (the default), or Telnyx or Twilio over
    HTTPS. A number uses one with `number config NUMBER --sms-carrier NAME`: its texts
    leave through the carrier's API and arrive at `smartnumber api`'s
    /v1/carriers/NAME/inbound (receipts at /status), verified by the carrier's
    signature. Set `api.public_url` to the address the carrier reaches (README)."""


@carrier.command("add")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(["telnyx", "twilio", "sip"]))
@click.option(
    "--api-key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Telnyx: a file (mode 0600) holding the API key; without it you are asked.",
)
@click.option("--public-key", help="Telnyx: the account's public key (base64), for its webhooks.")
@click.option("--account-sid", help="Twilio: the account SID (AC...).")
@click.option(
    "--auth-token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Twilio: a file (mode 0600) holding the auth token; without it you are asked.",
)
@click.option("--api-url", help="The provider's API base URL (default: its public one).")
@click.option(
    "--media-hosts",
    default="",
    help="Hosts MMS attachments may be fetched from, comma-separated (default: the"
    " provider's own; each name also covers the names under it).",
)
def carrier_add(
    name: str,
    kind: str,
    api_key_file: Path | None,
    public_key: str | None,
    account_sid: str | None,
    auth_token_file: Path | None,
    api_url: str | None,
    media_hosts: str,
) -> None:
    """Add a carrier. Secrets never come on the command line (any local user can read
    it): from a file only you can read, or typed at the prompt (not echoed)."""
    api_key = auth_token = ""
    if kind == "telnyx" and api_key_file is None:
        api_key = click.prompt("Telnyx API key", hide_input=True)
    if kind == "twilio" and auth_token_file is None:
        auth_token = click.prompt("Twilio auth token", hide_input=True)
    made = run(
        lambda store: carrier_cases.add_carrier(
            store,
            name,
            kind,
            clock.now(),
            api_key=api_key,
            api_key_file=api_key_file,
            public_key=public_key or "",
            account_sid=account_sid or "",
            auth_token=auth_token,
            auth_token_file=auth_token_file,
            api_url=api_url or "",
            media_hosts=media_hosts,
        )
    )
    click.echo(f"carrier added: {made['name']} ({made['kind']})")
    for kind, url in made["webhooks"].items():
        click.echo(f"  {kind} webhook for the provider's console: {url}")


@carrier.command("config")
@click.argument("name")
@click.option(
    "--media-hosts",
    required=True,
    help="Hosts MMS attachments may be fetched from, comma-separated ('': the provider's"
    " own); each name also covers the names under it.",
)
def carrier_config(name: str, media_hosts: str) -> None:
    """Change where a carrier's MMS attachments may be fetched from."""
    changed = run(lambda store: carrier_cases.set_media_hosts(store, name, media_hosts))
    click.echo(f"{changed['name']}: MMS attachments from {', '.join(changed['media_hosts'])}")


@carrier.command("list")
@JSON_OPTION
def carrier_list(as_json: bool) -> None:
    """Carriers (secrets masked) and the numbers whose texts each carries."""
    rows = run(carrier_cases.list_carriers)
    if as_json:
        output.emit_json(rows)
    else:
        output.table(
            rows, ["name", "kind", "api_url", "numbers"], "no carriers: texts go over the trunk"
        )
