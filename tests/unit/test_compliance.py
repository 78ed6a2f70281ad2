"""Texting registration and line types (SPEC 6 "Compliance")."""

from __future__ import annotations

from pathlib import Path

import pytest

from smartnumber.model import Campaign, Registration
from smartnumber.texting.compliance import kind, missing
from tests.unit.conftest import Run, as_json, assert_user_error

APPROVED = Campaign(1, "Acme", "care", ("a", "b"), "approved")
GOOD = ["Acme: viewing at 5. Reply STOP to opt out.", "Acme news. Text STOP to end."]


@pytest.mark.parametrize(
    ("number", "registration", "reason"),
    [
        ("+12125550100", Registration(None, None), "not linked to an A2P 10DLC campaign"),
        ("+12125550100", Registration(APPROVED, None), None),
        (
            "+12125550100",
            Registration(Campaign(2, "Acme", "care", (), "pending"), None),
            "campaign 2 is pending, not approved",
        ),
        ("+18005550100", Registration(APPROVED, None), "toll-free verification is not submitted"),
        ("+18885550100", Registration(None, "pending"), "toll-free verification is pending"),
        ("+18885550100", Registration(None, "verified"), None),
        ("+14165550100", Registration(None, None), None),  # Canada: not 10DLC
    ],
)
def test_which_registration_is_missing(
    number: str, registration: Registration, reason: str | None
) -> None:
    said = missing(number, registration)
    assert said == reason if reason is None else reason in (said or "")


def test_number_kinds() -> None:
    assert kind("+18445550100") == "toll-free"
    assert kind("+13105550100") == "us-local"
    assert kind("+14165550100") == "other"


@pytest.mark.parametrize(
    ("samples", "fragment"),
    [
        (GOOD[:1], "at least two --sample"),
        ([GOOD[0], "Reply STOP to opt out."], "does not name the business"),
        ([GOOD[0], "Acme: new listings!"], "does not say how to opt out"),
    ],
)
def test_campaign_samples_must_name_the_business_and_stop(
    provisioned: Run, samples: list[str], fragment: str
) -> None:
    provisioned("compliance", "brand", "add", "Acme")
    options = [arg for s in samples for arg in ("--sample", s)]
    result = provisioned(
        "compliance", "campaign", "add", "--brand", "Acme", "--use-case", "care", *options, ok=False
    )
    assert_user_error(result, fragment)


def test_the_gate_opens_as_registrations_arrive(provisioned: Run) -> None:
    show = lambda: as_json(provisioned("compliance", "show", "+12125550100", "--json"))  # noqa: E731
    assert show()["can_text"] is False
    provisioned("compliance", "brand", "add", "Acme")
    options = [arg for s in GOOD for arg in ("--sample", s)]
    provisioned("compliance", "campaign", "add", "--brand", "Acme", "--use-case", "care", *options)
    provisioned("compliance", "link", "+12125550100", "1")
    assert "pending" in show()["reason"]
    provisioned("compliance", "campaign", "set-status", "1", "approved")
    assert show() | {"reason": None} == {
        "number": "+12125550100",
        "kind": "us-local",
        "campaign": {"id": 1, "brand": "Acme", "status": "approved"},
        "tollfree": None,
        "can_text": True,
        "reason": None,
        "shaken": {"status": None, "attestation": None},
        "cnam": {"name": None, "status": None},
    }
    assert_user_error(
        provisioned("compliance", "tollfree", "+12125550100", "verified", ok=False),
        "not a toll-free number",
    )


def test_line_types_by_number_and_by_npa_nxx(provisioned: Run, tmp_path: Path) -> None:
    provisioned("contact", "add", "Grace", "--phone", "3105550150")
    csv = tmp_path / "lines.csv"
    csv.write_text("number,type\n310-555,landline\n+13105550199,mobile\n")
    assert "2 line types imported" in provisioned("linetype", "import", str(csv)).output
    refused = provisioned("text", "send", "--agent", "Bob", "--to", "3105550150", "hi", ok=False)
    assert_user_error(refused, "Text not sent - landline")
    provisioned("contact", "set-linetype", "3105550150", "mobile")  # its own type wins
    refused = provisioned("text", "send", "--agent", "Bob", "--to", "3105550150", "hi", ok=False)
    assert_user_error(refused, "not linked to an A2P 10DLC campaign")  # next gate


def test_a_bad_line_type_file_imports_nothing(provisioned: Run, tmp_path: Path) -> None:
    csv = tmp_path / "lines.csv"
    csv.write_text("310-555,landline\nnot a number,mobile\n212-555,fax\n")
    result = provisioned("linetype", "import", str(csv), ok=False)
    assert result.exit_code == 1
    assert "line 2:" in result.output and "line 3: unknown line type 'fax'" in result.output


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("Acme Realty Group LLC", "at most 15 characters"),
        ("Acme Realty Grp", None),  # 15: the limit itself is allowed
        ("Acme Realty Grps", "at most 15 characters"),  # 16
        ("", "at most 15 characters"),
        ("2125550100", "at least 2 letters"),
        ("A1", "at least 2 letters"),
        ("Acme, Inc", "only letters, digits, spaces and . & -"),
        ("Acme\nRealty", None),  # line breaks are spaces squeezed: "Acme Realty"
        ("Acme <x>", "only letters"),
        ("${SHELL(id)}", "only letters"),
    ],
)
def test_cnam_names_follow_the_carriers_rules(
    provisioned: Run, name: str, rule: str | None
) -> None:
    result = provisioned("compliance", "cnam", "+12125550100", name, ok=rule is None)
    if rule is not None:
        assert_user_error(result, rule)


def test_shaken_and_cnam_are_kept_per_number_and_shown(provisioned: Run) -> None:
    provisioned(
        "compliance", "shaken", "+12125550100", "--status", "approved", "--attestation", "A"
    )
    said = provisioned(
        "compliance", "cnam", "+12125550100", "  Acme   Realty ", "--status", "approved"
    )
    assert said.output.strip() == "+12125550100: CNAM 'Acme Realty' approved"
    shown = as_json(provisioned("compliance", "show", "+12125550100", "--json"))
    assert shown["shaken"] == {"status": "approved", "attestation": "A"}
    assert shown["cnam"] == {"name": "Acme Realty", "status": "approved"}
    number = as_json(provisioned("number", "show", "+12125550100", "--json"))
    assert number["cnam"] == shown["cnam"] and number["shaken"] == shown["shaken"]
    other = as_json(provisioned("number", "show", "+12125550110", "--json"))
    assert other["cnam"] == {"name": None, "status": None}
    bad = provisioned("compliance", "shaken", "+12125550100", "--status", "maybe", ok=False)
    assert bad.exit_code == 2
