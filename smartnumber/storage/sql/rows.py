"""Column lists and row -> model mappers: what every part of the SQL store reads back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from ...model import (
    Activity,
    ActivityKind,
    Agent,
    ApiToken,
    Carrier,
    CarrierKind,
    Contact,
    ContactPhone,
    DeliveryStatus,
    Direction,
    InboundText,
    LineType,
    Media,
    QueuedText,
    Recording,
    RecordingKind,
    Role,
    Scope,
    SmartNumber,
    Subscription,
    TextCode,
    TextStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from .statements import Row, from_millis

AGENT_COLUMNS = (
    "id, name, cell, endpoint, office_id, team_id, active, admin, email, sip_contact, sip_secret"
)
NUMBER_COLUMNS = (
    "id, e164, scope, office_id, team_id, agent_id, is_primary, fallback_agent_id, settings,"
    " sms_carrier_id"
)
CARRIER_COLUMNS = (
    "id, name, kind, created_at, api_url, api_key, public_key, account_sid, auth_token, media_hosts"
)
CONTACT_COLUMNS = (
    "id, name, owner_agent_id, owner_team_id, owner_office_id, source, created_at,"
    " assigned_agent_id, external_id"
)
PHONE_COLUMNS = "contact_id, e164, subscription, line_type"
API_TOKEN_FIELDS = "id, name, role, agent_id, created_at, revoked_at, last_used_at"  # noqa: S105 (column names)
WEBHOOK_COLUMNS = (
    "id, url, events, secret, created_at, agent_id, active, disabled_reason, failures, paused_until"
)
EVENT_COLUMNS = "id, event_id, type, at, payload, contact_id, agent_id"
DELIVERY_COLUMNS = (
    "d.id, d.webhook_id, d.status, d.attempts, d.next_attempt_at, d.last_status, d.last_error,"
    " d.delivered_at, e.id, e.event_id, e.type, e.at, e.payload, e.contact_id, e.agent_id"
)
ACTIVITY_COLUMNS = (
    "id, contact_id, agent_id, kind, direction, at, smart_number_id, detail, external_id, call_key"
)


CODE_COLUMNS = "code, reply, agent_id, number_id, created_at"
TEXT_COLUMNS = (
    "id, sender, recipient, body, purpose, status, created_at, not_before, attempts,"
    " activity_id, last_error, sent_at, carrier_id, carrier_message_id, delivery, carrier_code"
)


INBOX_COLUMNS = (
    "id, message_key, smart_number, sender, from_header, body, content_length, via,"
    " received_at, attempts, processed_at, outcome, carrier_id, media"
)


def as_inbound_text(r: Row) -> InboundText:
    return InboundText(
        id=r[0],
        message_key=r[1],
        smart_number=r[2],
        sender=r[3],
        from_header=r[4],
        body=r[5],
        content_length=r[6],
        via=r[7],
        received_at=from_millis(r[8]),
        attempts=r[9],
        processed_at=from_millis(r[10]) if r[10] is not None else None,
        outcome=r[11],
        carrier_id=r[12],
        media=tuple(Media(m["url"], m.get("content_type", "")) for m in json.loads(r[13])),
    )


def as_queued_text(r: Row) -> QueuedText:
    return QueuedText(
        id=r[0],
        sender=r[1],
        recipient=r[2],
        body=r[3],
        purpose=r[4],
        status=TextStatus(r[5]),
        created_at=from_millis(r[6]),
        not_before=from_millis(r[7]),
        attempts=r[8],
        activity_id=r[9],
        last_error=r[10],
        sent_at=from_millis(r[11]) if r[11] is not None else None,
        carrier_id=r[12],
        carrier_message_id=r[13],
        delivery=r[14],
        carrier_code=r[15],
    )


def as_text_code(r: Row) -> TextCode:
    return TextCode(r[0], r[1], r[2], r[3], from_millis(r[4]))


RECORDING_COLUMNS = "id, kind, contact_id, call_id, smart_number_id, path, seconds, created_at"


def as_recording(r: Row) -> Recording:
    return Recording(
        id=r[0],
        kind=RecordingKind(r[1]),
        contact_id=r[2],
        call_id=r[3],
        smart_number_id=r[4],
        path=r[5],
        seconds=r[6],
        created_at=from_millis(r[7]),
    )


def as_agent(r: Row) -> Agent:
    return Agent(
        id=r[0],
        name=r[1],
        cell=r[2],
        endpoint=r[3],
        office_id=r[4],
        team_id=r[5],
        active=bool(r[6]),
        admin=bool(r[7]),
        email=r[8],
        sip_contact=r[9],
        sip_secret=r[10],
    )


def as_number(r: Row) -> SmartNumber:
    return SmartNumber(
        id=r[0],
        e164=r[1],
        scope=Scope(r[2]),
        office_id=r[3],
        team_id=r[4],
        agent_id=r[5],
        primary=bool(r[6]),
        fallback_agent_id=r[7],
        settings=json.loads(r[8]),
        sms_carrier_id=r[9],
    )


def as_contacts(rows: Sequence[Row], phone_rows: Iterable[Row]) -> list[Contact]:
    """Contacts (CONTACT_COLUMNS) with their phones (PHONE_COLUMNS, in the order added)."""
    phones: dict[int, list[ContactPhone]] = {r[0]: [] for r in rows}
    for contact_id, e164, subscription, line_type in phone_rows:
        if contact_id in phones:
            phones[contact_id].append(
                ContactPhone(e164, Subscription(subscription), LineType(line_type))
            )
    return [
        Contact(
            id=r[0],
            name=r[1],
            phones=tuple(phones[r[0]]),
            owner_agent_id=r[2],
            owner_team_id=r[3],
            owner_office_id=r[4],
            source=r[5],
            created_at=from_millis(r[6]),
            assigned_agent_id=r[7],
            external_id=r[8],
        )
        for r in rows
    ]


def as_carrier(r: Row) -> Carrier:
    return Carrier(
        id=r[0],
        name=r[1],
        kind=CarrierKind(r[2]),
        created_at=from_millis(r[3]),
        api_url=r[4],
        api_key=r[5],
        public_key=r[6],
        account_sid=r[7],
        auth_token=r[8],
        media_hosts=tuple(h for h in r[9].split(",") if h),
    )


def as_activity(r: Row) -> Activity:
    return Activity(
        id=r[0],
        contact_id=r[1],
        agent_id=r[2],
        kind=ActivityKind(r[3]),
        direction=Direction(r[4]),
        at=from_millis(r[5]),
        smart_number_id=r[6],
        detail=json.loads(r[7]),
        external_id=r[8],
        call_key=r[9],
    )


def as_api_token(r: Row) -> ApiToken:
    return ApiToken(
        id=r[0],
        name=r[1],
        role=Role(r[2]),
        agent_id=r[3],
        created_at=from_millis(r[4]),
        revoked_at=from_millis(r[5]) if r[5] is not None else None,
        last_used_at=from_millis(r[6]) if r[6] is not None else None,
    )


def as_webhook(r: Row) -> Webhook:
    return Webhook(
        id=r[0],
        url=r[1],
        events=tuple(e for e in r[2].split(",") if e),
        secret=r[3],
        created_at=from_millis(r[4]),
        agent_id=r[5],
        active=bool(r[6]),
        disabled_reason=r[7],
        failures=r[8],
        paused_until=from_millis(r[9]) if r[9] is not None else None,
    )


def as_webhook_event(r: Row) -> WebhookEvent:
    return WebhookEvent(
        id=r[0],
        event_id=r[1],
        type=r[2],
        at=from_millis(r[3]),
        payload=r[4],
        contact_id=r[5],
        agent_id=r[6],
    )


def as_delivery(r: Row) -> WebhookDelivery:
    return WebhookDelivery(
        id=r[0],
        webhook_id=r[1],
        status=DeliveryStatus(r[2]),
        attempts=r[3],
        next_attempt_at=from_millis(r[4]),
        last_status=r[5],
        last_error=r[6],
        delivered_at=from_millis(r[7]) if r[7] is not None else None,
        event=as_webhook_event(r[8:]),
    )
