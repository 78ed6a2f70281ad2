"""Forwarding targets: the United States and Canada only (SPEC section 4)."""

from __future__ import annotations

import phonenumbers
import pytest

from smartnumber.routing.forwarding import ForwardCheck, check


@pytest.mark.parametrize(
    "number",
    [
        "+12125550123",  # New York
        "+14155550123",  # San Francisco
        "+16135550123",  # Ottawa
        "+14165550123",  # Toronto
        "+18005550123",  # US toll-free is a US number
    ],
)
def test_us_and_canada_are_allowed(number: str) -> None:
    assert check(number).allowed


@pytest.mark.parametrize(
    ("number", "region", "place"),
    [
        ("+18765550123", "JM", "Jamaica"),
        ("+18095550123", "DO", "Dominican Republic"),
        ("+18295550123", "DO", "Dominican Republic"),
        ("+18495550123", "DO", "Dominican Republic"),
        ("+12425550123", "BS", "Bahamas"),
        ("+12465550123", "BB", "Barbados"),
        ("+12845550123", "VG", "British Virgin Islands"),
        ("+14415550123", "BM", "Bermuda"),
        ("+16495550123", "TC", "Turks and Caicos Islands"),
        ("+18685550123", "TT", "Trinidad and Tobago"),
        ("+17875550123", "PR", "Puerto Rico"),
        ("+19395550123", "PR", "Puerto Rico"),
        ("+16715550123", "GU", "Guam"),
        ("+13405550123", "VI", "U.S. Virgin Islands"),
    ],
)
def test_other_regions_are_refused_by_name(number: str, region: str, place: str) -> None:
    result = check(number)
    assert not result.allowed
    assert f"in {place} ({region})" in result.reason
    assert "only United States and Canada" in result.reason


def example(region: str) -> str:
    number = phonenumbers.example_number(region)
    assert number is not None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize("number", [example(r) for r in ("PR", "GU", "VI", "MP", "AS")])
def test_us_territories_only_when_the_admin_allows(number: str) -> None:
    assert not check(number).allowed
    assert "US territories only when the admin allows them" in check(number).reason
    assert check(number, allow_us_territories=True).allowed


@pytest.mark.parametrize("number", ["+19005550123", "+19765550123", "+12129765555"])
def test_premium_rate_is_refused(number: str) -> None:
    """900 and 976 area codes, and the 976 exchange in any area code (pay-per-call)."""
    result = check(number)
    assert not result.allowed and "premium-rate" in result.reason


@pytest.mark.parametrize("number", ["+15005550123", "+15215550123", "+15885550123"])
def test_personal_communications_numbers_are_refused(number: str) -> None:
    result = check(number)
    assert not result.allowed and "personal communications (5XX)" in result.reason


def test_an_ordinary_number_beside_them_is_fine() -> None:
    assert check("+12129775555").allowed and check("+15105550123").allowed


def test_numbers_outside_the_nanp_are_refused_by_region_code() -> None:
    result = check("+442079460000")
    assert not result.allowed
    assert result.reason.startswith("+442079460000 is in GB: only United States and Canada")


def test_every_nanp_region_has_a_name() -> None:
    from smartnumber.routing.forwarding import NANP_NAMES

    assert set(phonenumbers.region_codes_for_country_code(1)) <= set(NANP_NAMES)


def test_the_service_does_not_load_the_geocoder() -> None:
    """phonenumbers' geocoder costs ~100 MB of memory: the service must not import it."""
    import subprocess
    import sys

    code = (
        "import sys, smartnumber.cli, smartnumber.service; "
        "sys.exit('phonenumbers.geocoder' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_garbage_is_refused() -> None:
    assert not check("+1212").allowed
    assert not check("not a number").allowed


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("notanumber", "notanumber is not a phone number"),
        ("+12125550123x", "+12125550123x is not a phone number"),  # phonenumbers forgives it
        ("+12125550123&PJSIP/x", "+12125550123&PJSIP/x is not a phone number"),
        ("+99912345678", "+99912345678 is not a phone number"),  # no such country code
        ("+12120000000", "+12120000000 is in an unknown region: only United States and Canada"),
    ],
)
def test_what_is_no_forwardable_number_is_refused_by_name(number: str, reason: str) -> None:
    result = check(number)
    assert result.allowed is False and result.reason.startswith(reason)


def test_an_allowed_number_has_no_reason() -> None:
    assert check("+12125550123") == ForwardCheck(True, "")
