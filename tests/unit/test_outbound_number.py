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
    ("personal", "team", "office", "expected", "level", "reason"),
    [
        ([P1, P2], [T], [O1], P2, "personal", "the agent's primary personal number"),
        ([P1], [T], [O1], P1, "personal", "the agent's personal number"),
        ([], [T], [O1], T, "team", "the agent's team number"),
        ([], [], [O2, O1], O1, "office", "the agent's office number"),  # the oldest, stable
        ([], [], [], None, None, "the agent has no personal, team or office Smart Number"),
    ],
)
def test_personal_over_team_over_office(personal, team, office, expected, level, reason) -> None:
    choice = choose_outbound_number(personal, team, office)
    assert choice.number == expected
    assert choice.level == level
    assert choice.reason == reason  # `outbound-number` says it, word for word


@pytest.mark.parametrize(
    ("contact", "expected", "why"),
    [
        ("+12125559999", P1, "the agent's personal number in area code 212"),  # P2 is in 312
        ("+13125559999", P2, "the agent's personal number in area code 312"),
        ("+14155559999", P2, "the agent's primary personal number"),  # none in 415
        (None, P2, "the agent's primary personal number"),
    ],
)
def test_several_personal_numbers_match_the_contacts_area_code(contact, expected, why) -> None:
    choice = choose_outbound_number([P1, P2], [T], [O1], contact=contact)
    assert choice.number == expected and choice.caller_id == expected.e164
    assert choice.reason == why


def test_a_verified_caller_id_wins_over_every_smart_number() -> None:
    choice = choose_outbound_number([P1, P2], [T], [O1], verified="+14155550199")
    assert choice.level == "verified" and choice.caller_id == "+14155550199"
    assert choice.number is None and choice.reason == "the agent's verified caller ID"


def test_several_in_the_contacts_area_code_and_none_primary_the_oldest_shows() -> None:
    newer, older = (
        number(7, "+12125550007", Scope.PERSONAL),
        number(6, "+12125550006", Scope.PERSONAL),
    )
    choice = choose_outbound_number([newer, older, P2], [], [], contact="+12125559999")
    assert choice.number == older and choice.level == "personal"
    assert choice.reason == "the agent's personal number in area code 212"


def test_one_personal_number_is_shown_whatever_the_contacts_area_code() -> None:
    choice = choose_outbound_number([P1], [T], [O1], contact="+12125559999")  # P1 is in 212
    assert choice.number == P1 and choice.reason == "the agent's personal number"


def test_of_several_team_numbers_the_oldest_shows() -> None:
    newer = number(9, "+12125550009", Scope.TEAM)
    assert choose_outbound_number([], [newer, T], [O1]).number == T
