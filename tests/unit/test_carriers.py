"""SMS carriers: added with what their kind needs (secrets from 0600 files, never the
command line), listed masked, and linked to a Smart Number by `number config`."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.unit.conftest import Run, as_json, assert_user_error

PUBLIC_KEY = base64.b64encode(bytes(range(32))).decode()
SID = "AC" + "0123456789abcdef" * 2
OFFICE = "+12125550100"


def secret_file(tmp_path: Path, name: str, value: str, mode: int = 0o600) -> Path:
    path = tmp_path / name
    path.write_text(value + "\n")
    path.chmod(mode)
    return path


def test_carriers_are_added_listed_masked_and_linked(provisioned: Run, tmp_path: Path) -> None:
    key = secret_file(tmp_path, "telnyx.key", "KEY0123456789abcdef-telnyx")
    token = secret_file(tmp_path, "twilio.token", "0123456789abcdef0123456789abcdef")
    provisioned(
        "carrier", "add", "telnyx-main", "--kind", "telnyx",
        "--api-key-file", str(key), "--public-key", PUBLIC_KEY,
    )  # fmt: skip
    provisioned(
        "carrier", "add", "twilio-backup", "--kind", "twilio",
        "--account-sid", SID, "--auth-token-file", str(token),
        "--api-url", "http://127.0.0.1:9999/2010-04-01",
    )  # fmt: skip
    listed = {c["name"]: c for c in as_json(provisioned("carrier", "list", "--json"))}
    assert listed["telnyx-main"]["api_key"] == "********"
    assert listed["telnyx-main"]["api_url"] == "https://api.telnyx.com/v2"
    assert listed["twilio-backup"]["auth_token"] == "********"
    assert listed["twilio-backup"]["api_url"] == "http://127.0.0.1:9999/2010-04-01"
    shown = provisioned("carrier", "list").output
    assert "KEY0123456789" not in shown and "0123456789abcdef0123" not in shown

    provisioned("number", "config", OFFICE, "--sms-carrier", "telnyx-main")
    assert as_json(provisioned("number", "show", OFFICE, "--json"))["sms_carrier"] == "telnyx-main"
    listed = {c["name"]: c for c in as_json(provisioned("carrier", "list", "--json"))}
    assert listed["telnyx-main"]["numbers"] == [OFFICE]
    provisioned("number", "config", OFFICE, "--sms-carrier", "sip")
    assert as_json(provisioned("number", "show", OFFICE, "--json"))["sms_carrier"] == "sip"
    assert_user_error(
        provisioned("number", "config", OFFICE, "--sms-carrier", "nope", ok=False),
        "no carrier named 'nope'",
    )


def test_what_a_carrier_is_refused_for(provisioned: Run, tmp_path: Path) -> None:
    key = secret_file(tmp_path, "telnyx.key", "KEY0123456789abcdef-telnyx")
    loose = secret_file(tmp_path, "loose.key", "KEY0123456789abcdef-telnyx", 0o644)
    cases = [
        (["t1", "--kind", "telnyx", "--api-key-file", str(key), "--public-key", "abc"],
         "public key"),
        (["t2", "--kind", "telnyx", "--api-key-file", str(loose), "--public-key", PUBLIC_KEY],
         "readable by others"),
        (["w1", "--kind", "twilio", "--account-sid", "AC123",
          "--auth-token-file", str(key)], "account SID"),
        (["sip", "--kind", "sip"], "not 'sip'"),
        (["s1", "--kind", "sip", "--public-key", PUBLIC_KEY], "no credentials"),
        (["t3", "--kind", "telnyx", "--api-key-file", str(key), "--public-key", PUBLIC_KEY,
          "--api-url", "ftp://x"], "http://"),
    ]  # fmt: skip
    for args, why in cases:
        assert_user_error(provisioned("carrier", "add", *args, ok=False), why)
    assert as_json(provisioned("carrier", "list", "--json")) == []
    provisioned("carrier", "add", "trunk", "--kind", "sip")
    assert_user_error(
        provisioned("carrier", "add", "trunk", "--kind", "sip", ok=False), "exists already"
    )
