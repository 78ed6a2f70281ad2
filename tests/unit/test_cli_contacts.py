"""Contacts, activities, imports and the timeline through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.conftest import Run, as_json, assert_user_error


def test_contact_add_show_list(provisioned: Run) -> None:
    out = provisioned(
        "contact",
        "add",
        "Ann Lee",
        "--phone",
        "212-555-0150",
        "--phone",
        "+1 212 555 0151",
        "--owner",
        "Bob",
        "--line-type",
        "mobile",
    ).output
    assert "Ann Lee (+12125550150, +12125550151)" in out
    (ann,) = as_json(provisioned("contact", "show", "+12125550151", "--json"))
    assert ann["name"] == "Ann Lee"
    assert ann["owner"] == "Bob"
    assert ann["source"] == "manual"
    assert ann["phones"] == [
        {"number": "+12125550150", "subscription": "subscribed", "line_type": "mobile"},
        {"number": "+12125550151", "subscription": "subscribed", "line_type": "mobile"},
    ]
    listed = as_json(provisioned("contact", "list", "--json"))
    assert [c["name"] for c in listed] == ["Ann Lee"]
    assert "Ann Lee" in provisioned("contact", "list").output
    assert "+12125550150" in provisioned("contact", "show", "2125550150").output


def test_shared_numbers_are_allowed_and_noted(provisioned: Run) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    out = provisioned("contact", "add", "Ben", "--phone", "2125550150").output
    assert "shares a number with Ann" in out
    shown = as_json(provisioned("contact", "show", "2125550150", "--json"))
    assert [c["name"] for c in shown] == ["Ann", "Ben"]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["contact", "add", "X", "--phone", "not a number"], ["is not a phone number"]),
        (["contact", "add", "X", "--phone", "2125550150", "--owner", "Nobody"], ["no agent named"]),
        (["contact", "show", "2125550177"], ["no contact has the number +12125550177"]),
        (["contact", "show", "5551234&PJSIP/evil"], ["is not a phone number"]),
    ],
)
def test_contact_errors(provisioned: Run, args: list[str], fragments: list[str]) -> None:
    assert_user_error(provisioned(*args, ok=False), *fragments)


def test_activities_and_timeline(provisioned: Run) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    provisioned(
        "activity",
        "add",
        "--contact",
        "2125550150",
        "--agent",
        "Alice",
        "--kind",
        "email",
        "--direction",
        "outbound",
        "--at",
        "2026-11-01T10:00:00Z",
        "--detail",
        "Listing alert",
    )
    provisioned(
        "activity",
        "add",
        "--contact",
        "2125550150",
        "--agent",
        "Bob",
        "--kind",
        "call",
        "--direction",
        "inbound",
        "--at",
        "2026-11-02T09:30:00-05:00",
        "--number",
        "+12125550100",
    )
    provisioned(
        "activity",
        "add",
        "--contact",
        "2125550150",
        "--kind",
        "note",
        "--direction",
        "internal",
        "--at",
        "2026-11-01T12:00:00",
    )
    entries = as_json(provisioned("timeline", "2125550150", "--json"))
    assert [(e["kind"], e["agent"]) for e in entries] == [
        ("call", "Bob"),
        ("note", None),
        ("email", "Alice"),
    ]
    assert entries[0]["at"] == "2026-11-02T14:30:00+00:00"
    assert entries[0]["smart_number"] == "+12125550100"
    assert entries[2]["detail"] == {"text": "Listing alert"}
    assert entries[0]["contact"] == "Ann"
    table = provisioned("timeline", "2125550150").output
    assert table.index("call") < table.index("email")
    assert len(as_json(provisioned("timeline", "2125550150", "--json", "--limit", "1"))) == 1


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--kind", "fax", "--direction", "inbound"], ["'fax'"]),
        (["--kind", "call", "--direction", "sideways"], ["'sideways'"]),
        (["--kind", "call", "--direction", "inbound", "--at", "yesterday"], ["ISO-8601"]),
        (["--kind", "call", "--direction", "inbound", "--agent", "Nobody"], ["no agent named"]),
        (
            ["--kind", "call", "--direction", "inbound", "--number", "+12125550199"],
            ["not a Smart Number"],
        ),
    ],
)
def test_activity_errors(provisioned: Run, args: list[str], fragments: list[str]) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    result = provisioned("activity", "add", "--contact", "2125550150", *args, ok=False)
    if result.exit_code == 2:  # click's own usage errors for bad choices
        assert all(f in result.output for f in fragments)
        return
    assert_user_error(result, *fragments)


def test_activity_on_a_shared_number_needs_the_contact_name(provisioned: Run) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    provisioned("contact", "add", "Ben", "--phone", "2125550150")
    base = [
        "activity",
        "add",
        "--contact",
        "2125550150",
        "--kind",
        "note",
        "--direction",
        "internal",
    ]
    assert_user_error(provisioned(*base, ok=False), "shared by 'Ann', 'Ben'", "--contact-name")
    provisioned(*base, "--contact-name", "Ben")
    entries = as_json(provisioned("timeline", "2125550150", "--json"))
    assert [e["contact"] for e in entries] == ["Ben"]


def test_contact_import_keeps_good_rows_and_reports_bad_ones(
    provisioned: Run, tmp_path: Path
) -> None:
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text(
        "name,phone,owner,line_type\n"
        "Ann,2125550150,Bob,mobile\n"
        "Ben,not-a-number,,\n"
        "Cat,2125550152;2125550153,,landline\n"
        ",2125550154,,\n"
        "Dee,2125550155,Nobody,\n"
        '"Eve, Jr.",2125550156,,\n'
    )
    result = provisioned("contact", "import", str(csv_file), ok=False)
    assert result.exit_code == 1
    assert "line 3: 'not-a-number' is not a phone number" in result.output
    assert "line 5: contact name must be" in result.output
    assert "line 6: no agent named 'Nobody'" in result.output
    assert "3 contacts imported, 3 rejected" in result.output
    names = [c["name"] for c in as_json(provisioned("contact", "list", "--json"))]
    assert names == ["Ann", "Cat", "Eve, Jr."]
    (cat,) = as_json(provisioned("contact", "show", "2125550153", "--json"))
    assert cat["source"] == "import"
    assert cat["phones"][1]["line_type"] == "landline"


def test_contact_import_json_report(provisioned: Run, tmp_path: Path) -> None:
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("name,phone\nAnn,2125550150\nBad,1\n")
    report = json.loads(provisioned("contact", "import", str(csv_file), "--json", ok=False).stdout)
    assert report["added"] == 1
    assert report["errors"][0]["line"] == 3


def test_contact_import_needs_the_right_header(provisioned: Run, tmp_path: Path) -> None:
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("who,number\nAnn,2125550150\n")
    assert_user_error(
        provisioned("contact", "import", str(csv_file), ok=False), "lacks column(s): name, phone"
    )


def test_activity_import_csv_and_json_lines_without_duplicates(
    provisioned: Run, tmp_path: Path
) -> None:
    provisioned("contact", "add", "Ann", "--phone", "2125550150")
    jsonl = tmp_path / "feed.jsonl"
    jsonl.write_text(
        '{"id": "e1", "contact": "2125550150", "kind": "email", "direction": "outbound",'
        ' "at": "2026-11-01T10:00:00Z", "agent": "Alice", "detail": {"subject": "Hi"}}\n'
        "\n"
        '{"id": "a1", "contact": "2125550150", "kind": "search_alert",'
        ' "direction": "outbound", "at": "2026-11-02T10:00:00Z", "agent": "Bob"}\n'
        "not json\n"
        '{"contact": "2125550199", "kind": "email", "direction": "outbound", "at": "2026-11-02"}\n'
        '{"contact": "2125550150", "kind": "email"}\n'
    )
    first = provisioned("activity", "import", str(jsonl), ok=False)
    assert "2 activities imported, 3 rejected" in first.output
    assert "line 4: not JSON" in first.output
    assert "line 5: no contact has the number +12125550199" in first.output
    assert "line 6: missing field 'direction'" in first.output
    again = provisioned("activity", "import", str(jsonl), ok=False)
    assert "0 activities imported, 2 already imported" in again.output

    csv_file = tmp_path / "feed.csv"
    csv_file.write_text(
        "id,contact,kind,direction,at,agent,detail\n"
        "e1,2125550150,email,outbound,2026-11-01T10:00:00Z,Alice,dup\n"
        "x9,2125550150,auto,outbound,2026-11-03T08:00:00Z,Alice,Drip campaign #3\n"
    )
    assert (
        "1 activities imported, 1 already imported"
        in provisioned("activity", "import", str(csv_file)).output
    )
    kinds = [e["kind"] for e in as_json(provisioned("timeline", "2125550150", "--json"))]
    assert kinds == ["auto", "search_alert", "email"]


def test_control_characters_in_a_text_never_reach_the_terminal(provisioned: Run) -> None:
    """A text may carry escape sequences (clear the screen, rewrite a line, set the window
    title): stored verbatim, shown escaped in tables, escaped by JSON."""
    hostile = "hi\x1b[2J\x1b]0;pwned\x07 there\x9b31m\x7f"
    provisioned("contact", "add", "Grace", "--phone", "2125550150")
    provisioned(
        "activity", "add", "--contact", "2125550150", "--kind", "text",
        "--direction", "inbound", "--detail", hostile,
    )  # fmt: skip
    shown = provisioned("timeline", "2125550150").output
    assert not any(c in shown for c in "\x1b\x07\x9b\x7f")
    assert "hi\\x1b[2J\\x1b]0;pwned\\x07 there\\x9b31m\\x7f" in shown
    as_stored = as_json(provisioned("timeline", "2125550150", "--json"))
    assert as_stored[0]["detail"]["text"] == hostile  # verbatim underneath
    assert "\x1b" not in provisioned("timeline", "2125550150", "--json").output
