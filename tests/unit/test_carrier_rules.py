"""Carrier webhooks are authenticated the providers' way (Telnyx Ed25519 over
`timestamp|body`, Twilio HMAC-SHA1 over the URL and sorted form parameters), and carrier
error codes become knowledge through one table."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from twilio.request_validator import RequestValidator

from smartnumber.texting.carriers import codes, signatures
from smartnumber.texting.carriers.signatures import BadSignature

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
BODY = b'{"data":{"event_type":"message.received","payload":{"text":"STOP"}}}'


def telnyx_keys() -> tuple[Ed25519PrivateKey, str]:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return private, base64.b64encode(public).decode()


def telnyx_sign(private: Ed25519PrivateKey, at: datetime, body: bytes) -> tuple[str, str]:
    stamp = str(int(at.timestamp()))
    return base64.b64encode(private.sign(stamp.encode() + b"|" + body)).decode(), stamp


def test_a_telnyx_webhook_signed_by_the_account_key_passes() -> None:
    private, public = telnyx_keys()
    signature, stamp = telnyx_sign(private, NOW - timedelta(seconds=30), BODY)
    signatures.check_telnyx(BODY, signature, stamp, public, NOW)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("body", "does not match"),
        ("key", "does not match"),
        ("old", "away from now"),
        ("future", "away from now"),
        ("missing", "no telnyx-signature"),
        ("garbled", "base64"),
        ("stamp", "not a number"),
    ],
)
def test_a_telnyx_webhook_that_does_not_prove_itself_is_refused(change: str, why: str) -> None:
    private, public = telnyx_keys()
    at = {"old": NOW - timedelta(minutes=6), "future": NOW + timedelta(minutes=6)}.get(change, NOW)
    signature, stamp = telnyx_sign(private, at, BODY)
    body = BODY.replace(b"STOP", b"STOP ") if change == "body" else BODY
    if change == "key":
        public = telnyx_keys()[1]
    if change == "missing":
        signature = ""
    if change == "garbled":
        signature = "not base64!"
    if change == "stamp":
        stamp = "12:00"
    with pytest.raises(BadSignature, match=why):
        signatures.check_telnyx(body, signature, stamp, public, NOW)


# Twilio's own published example (its request-validation docs; the vector its SDKs test).
TWILIO_TOKEN = "12345"
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
TWILIO_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_twilio_signatures_match_twilios_published_example() -> None:
    assert signatures.twilio_signature(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS) == TWILIO_SIGNATURE
    shuffled = list(reversed(list(TWILIO_PARAMS.items())))
    signatures.check_twilio(TWILIO_SIGNATURE, TWILIO_TOKEN, TWILIO_URL, shuffled)


@pytest.mark.parametrize(
    ("signed", "checked"),
    [
        ("https://mycompany.com:443/myapp.php?foo=1&bar=2", TWILIO_URL),
        (TWILIO_URL, "https://mycompany.com:443/myapp.php?foo=1&bar=2"),
        ("http://sn.example:80/v1/carriers/t/inbound", "http://sn.example/v1/carriers/t/inbound"),
        (TWILIO_URL, TWILIO_URL),
    ],
)
def test_twilio_signs_with_the_default_port_or_without_and_both_are_taken(
    signed: str, checked: str
) -> None:
    """Twilio's servers sign either spelling; its own SDK's validator takes both."""
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(signed, TWILIO_PARAMS)
    signatures.check_twilio(signature, TWILIO_TOKEN, checked, TWILIO_PARAMS)
    assert RequestValidator(TWILIO_TOKEN).validate(checked, TWILIO_PARAMS, signature)


def test_another_port_is_another_url() -> None:
    signature = signatures.twilio_signature(
        TWILIO_TOKEN, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", TWILIO_PARAMS
    )
    with pytest.raises(signatures.BadSignature):
        signatures.check_twilio(signature, TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS)


@pytest.mark.parametrize(
    ("signature", "token", "url", "params"),
    [
        (None, TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS),
        (TWILIO_SIGNATURE, "54321", TWILIO_URL, TWILIO_PARAMS),
        (TWILIO_SIGNATURE, TWILIO_TOKEN, TWILIO_URL.replace("foo=1", "foo=2"), TWILIO_PARAMS),
        (TWILIO_SIGNATURE, TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS | {"Digits": "9999"}),
        (TWILIO_SIGNATURE, TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS | {"Body": "STOP"}),
    ],
)
def test_a_twilio_webhook_that_does_not_match_is_refused(
    signature: str | None, token: str, url: str, params: dict[str, str]
) -> None:
    with pytest.raises(BadSignature):
        signatures.check_twilio(signature, token, url, params)


@pytest.mark.parametrize(
    ("carrier", "code", "meaning"),
    [
        ("twilio", "21610", codes.Meaning.OPTED_OUT),
        ("twilio", 30006, codes.Meaning.LANDLINE),
        ("twilio", "30007", codes.Meaning.SPAM_FILTERED),
        ("twilio", "30034", codes.Meaning.UNREGISTERED),
        ("telnyx", "40300", codes.Meaning.OPTED_OUT),
        ("telnyx", "40001", codes.Meaning.LANDLINE),
        ("telnyx", "40002", codes.Meaning.SPAM_FILTERED),
        ("telnyx", "40003", codes.Meaning.SPAM_FILTERED),
        ("telnyx", "30007", codes.Meaning.OTHER),  # Twilio's code means nothing at Telnyx
        ("twilio", None, codes.Meaning.OTHER),
        ("twilio", "99999", codes.Meaning.OTHER),
    ],
)
def test_carrier_codes_become_knowledge(
    carrier: str, code: str | int | None, meaning: codes.Meaning
) -> None:
    assert codes.meaning(carrier, code).meaning is meaning
