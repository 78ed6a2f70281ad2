"""SPEC section 2: the most specific Smart Number wins."""

import pytest

from smartnumber.model import Scope, SmartNumber
from smartnumber.routing.outbound import choose_outbound_number


def number(id: int, e164: str, scope: Scope, primary: bool = False) -> SmartNumber:
    owner = {"office_id": None, "team_id": None, "agent_id": None}
    owner[{Scope.OFFICE: "office_id", Scope.TEAM: "team_id", Scope.PERSONAL: "agent_id"}[scope]] = 1
    return SmartNumber(id=id, e164=e164, scope=scope, primary=primary, **owner)


P1 = number(1, "+12125550001", Scope.PERSONAL)
P2 = number(2, "+13125550002", Scope.PERSONAL, primary=True)
T = number(3, "+12125550003", Scope.TEAM)
O1 = number(4, "+12125550004", Scope.OFFICE)
O2 = number(5, "+12125550005", Scope.OFFICE)


@pytest.mark.parametrize(
    ("personal", "team", "office", "expected", "level"),
    [
        ([P1, P2], [T], [O1], P2, "personal"),  # the primary personal number
        ([P1], [T], [O1], P1, "personal"),
        ([], [T], [O1], T, "team"),
        ([], [], [O2, O1], O1, "office"),  # the oldest office number, stable
        ([], [], [], None, None),
    ],
)
def test_personal_over_team_over_office(personal, team, office, expected, level) -> None:
    choice = choose_outbound_number(personal, team, office)
    assert choice.number == expected
    assert choice.level == level
    assert choice.reason


@pytest.mark.parametrize(
    ("contact", "expected", "why"),
    [
        ("+12125559999", P1, "area code 212"),  # P1 is in 212; P2 (primary) is in 312
        ("+13125559999", P2, "area code 312"),
        ("+14155559999", P2, "primary"),  # no personal number in 415: the primary
        (None, P2, "primary"),
    ],
)
def test_several_personal_numbers_match_the_contacts_area_code(contact, expected, why) -> None:
    choice = choose_outbound_number([P1, P2], [T], [O1], contact=contact)
    assert choice.number == expected and choice.caller_id == expected.e164
    assert why in choice.reason


def test_a_verified_caller_id_wins_over_every_smart_number() -> None:
    choice = choose_outbound_number([P1, P2], [T], [O1], verified="+14155550199")
    assert choice.level == "verified" and choice.caller_id == "+14155550199"
    assert choice.number is None
