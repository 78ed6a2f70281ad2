import pytest

from smartnumber import phone


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+12125550123", "+12125550123"),
        ("2125550123", "+12125550123"),
        ("(212) 555-0123", "+12125550123"),
        ("212.555.0123", "+12125550123"),
        (" +1 212 555 0123 ", "+12125550123"),
        ("+16135550123", "+16135550123"),  # Canada
        ("+44 20 7946 0000", "+442079460000"),
    ],
)
def test_typed_numbers_become_e164(typed: str, e164: str) -> None:
    assert phone.to_e164(typed) == e164


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12",
        "hello",
        "+15551234567",  # area code 555 is not assigned
        "5551234&PJSIP/evil",
        "2125550123&PJSIP/evil",  # digits first: the lenient parser must not see it
        "2125550123;x",
        "2125550123\nHangup",
        "$(reboot)",
        "+1" + "2" * 1000,
    ],
)
def test_bad_numbers_are_refused_with_a_clear_message(bad: str) -> None:
    with pytest.raises(phone.BadNumber) as refused:
        phone.to_e164(bad)
    message = str(refused.value)
    assert "phone number" in message
    assert "\n" not in message and len(message) < 100


def test_region_for_national_numbers_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMARTNUMBER_REGION", "GB")
    assert phone.to_e164("020 7946 0000") == "+442079460000"


def test_is_e164() -> None:
    assert phone.is_e164("+12125550123")
    assert not phone.is_e164("12125550123")
    assert not phone.is_e164("+1212555012x")
