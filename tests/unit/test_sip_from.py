"""The sender of a text is the From URI's user part, never anything in the display name."""

from __future__ import annotations

import pytest

from smartnumber.asterisk.agi.sip_from import user_of


@pytest.mark.parametrize(
    ("header", "user"),
    [
        ("<sip:+13105550177@198.51.100.7>;tag=a1", "+13105550177"),
        ("sip:+13105550177@198.51.100.7;tag=a1", "+13105550177"),  # addr-spec: ';' is a param
        ("<sip:+13105550177@198.51.100.7;user=phone>;tag=a1", "+13105550177"),
        ("<sip:+13105550177;npdi@198.51.100.7>", "+13105550177"),  # user parameters
        ("<sip:%2B13105550177@198.51.100.7>", "+13105550177"),  # percent-encoded
        ("<sips:13105550177@carrier.example>", "13105550177"),
        ("<tel:+13105550177;phone-context=x>", "+13105550177"),
        ("Carrier Gateway <sip:+13105550177@198.51.100.7>", "+13105550177"),
        # The display name says a contact's number; the URI says who really sent it.
        ('"sip:+12125550150@evil" <sip:trunk@127.0.0.5>;tag=x', "trunk"),
        ('"+12125550150" <sip:+13105550177@198.51.100.7>', "+13105550177"),
        ('"a \\" <sip:+12125550150@x>" <sip:+13105550177@y>', "+13105550177"),  # escaped quote
        ('"<sip:+12125550150@x>" <sip:+13105550177@y>', "+13105550177"),
    ],
)
def test_the_sender_is_the_uri_user(header: str, user: str) -> None:
    assert user_of(header) == user


@pytest.mark.parametrize(
    "header",
    [
        "",
        "<sip:198.51.100.7>",  # no user part
        '"+12125550150"',  # a display name and no URI
        '"+12125550150" sip:+13105550177@x',  # name-addr without brackets
        '"unterminated <sip:+13105550177@x>',
        "<sip:+13105550177@x",  # no closing bracket
        "x@y <sip:+13105550177@z>",  # not a display name
        "<mailto:+13105550177@x>",
        "<sip:@x>",
    ],
)
def test_malformed_from_headers_have_no_sender(header: str) -> None:
    assert user_of(header) is None
