"""Click-to-call: the Originate we send, and the stages read from AMI events."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lab.ports import free_tcp_port
from smartnumber.asterisk import originate
from smartnumber.asterisk.originate import Follow, Stage, originate_action
from smartnumber.calls.click_to_call import Plan
from smartnumber.model import Ring
from tests.unit.conftest import Run, as_json, assert_user_error

PLAN = Plan(
    call_key="0123456789abcdef",
    agent="Bob",
    agent_ring=Ring(endpoint="PJSIP/bob"),
    contact="+13105550188",
    contact_name="Lead +13105550188",
    caller_id="+12125550100",
    caller_id_level="office",
)
ID = "sn-c2c-0123456789abcdef"


def follow() -> tuple[Follow, list[str]]:
    said: list[str] = []
    return Follow(ID, f"smartnumber-{ID}", lambda s, d: said.append(s.value)), said


def test_the_originate_carries_only_our_own_values() -> None:
    action = originate_action(PLAN, ID, 20)
    assert action["Channel"] == "PJSIP/bob" and action["Exten"] == "+13105550188"
    assert action["Context"] == "smartnumber-click-to-call" and action["Async"] == "true"
    assert action["ChannelId"] == ID and action["Timeout"] == "20000"
    assert action["Variable"] == [
        "SMARTNUMBER_CALL=k0123456789abcdef",
        "SMARTNUMBER_CALLERID=+12125550100",
        "CDR(sn_call)=k0123456789abcdef",
    ]
    assert "Application" not in action and "Data" not in action
    named = originate_action(replace(PLAN, caller_name="Acme Realty"), ID, 20)
    assert named["Variable"][-1] == "SMARTNUMBER_CALLERNAME=Acme Realty"


def test_stages_come_in_order_from_the_calls_own_events() -> None:
    f, said = follow()
    other = {"Uniqueid": "1795.9", "Linkedid": "1795.9"}
    f.event({"Event": "Newstate", "ChannelStateDesc": "Ringing", **other})  # another call
    f.event({"Event": "Newstate", "ChannelStateDesc": "Ringing", "Uniqueid": ID, "Linkedid": ID})
    f.event({"Event": "OriginateResponse", "Response": "Success", "ActionID": f.action_id})
    f.event({"Event": "DialBegin", "Uniqueid": ID, "DestCallerIDNum": "+13105550188"})
    f.event({"Event": "DialState", "Uniqueid": ID, "DialStatus": "PROCEEDING"})  # not yet
    f.event({"Event": "DialState", "Uniqueid": ID, "DialStatus": "RINGING"})
    f.event({"Event": "DialEnd", "Uniqueid": ID, "DialStatus": "ANSWER"})
    f.event({"Event": "Hangup", "Uniqueid": ID, "Cause-txt": "Normal Clearing"})
    assert said == [s.value for s in Stage]
    assert f.done.is_set() and f.failure is None and f.contact_status == "ANSWER"


def test_an_unanswered_agent_ends_it_with_the_reason() -> None:
    f, said = follow()
    f.event(
        {
            "Event": "OriginateResponse",
            "Response": "Failure",
            "Reason": "3",
            "ActionID": f.action_id,
        }
    )
    assert f.failure == "the agent did not answer" and f.done.is_set() and said == []


def test_after_a_reconnect_the_listing_says_where_the_call_is() -> None:
    f, said = follow()
    listing = [
        {"Uniqueid": ID, "Linkedid": ID, "ChannelStateDesc": "Up"},
        {"Uniqueid": "1795.3", "Linkedid": ID, "ChannelStateDesc": "Up"},
        {"Uniqueid": "1795.4", "Linkedid": "1795.4", "ChannelStateDesc": "Up"},  # not ours
    ]
    assert f.resume(listing)
    assert said == ["agent answered", "dialling contact", "connected"]
    assert not follow()[0].resume(listing[2:])  # nothing of ours: not placed


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["Nobody", "3105550188"], ["no agent named 'Nobody'"]),
        (["Carol", "3105550188", "--via", "endpoint"], ["Carol has no SIP endpoint"]),
        (["Bob", "5551234&PJSIP/evil"], ["is not a phone number"]),
        (["Bob", "+18765550123"], ["not calling +18765550123", "Jamaica (JM)"]),
        (["Bob", "+19005550123"], ["premium-rate"]),
    ],
)
def test_calls_refused_before_anything_rings(
    provisioned: Run, args: list[str], fragments: list[str]
) -> None:
    assert_user_error(provisioned("call", *args, ok=False), *fragments)
    assert as_json(provisioned("contact", "list", "--json")) == []  # no lead, no timeline


def test_an_inactive_agent_cannot_call(provisioned: Run) -> None:
    provisioned("agent", "deactivate", "Bob")
    assert_user_error(provisioned("call", "Bob", "3105550188", ok=False), "agent Bob is inactive")


def test_with_asterisk_unreachable_nothing_is_written(
    provisioned: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No Asterisk listens on the AMI port: the call is refused in one line, and neither a
    lead nor a 'calling agent' entry is left to steer inbound routing."""
    monkeypatch.setattr(originate, "CONNECT_SECONDS", 1.0)
    provisioned("settings", "set", "ami.port", str(free_tcp_port()))
    refused = provisioned("call", "Bob", "3105550188", ok=False)
    assert refused.exit_code == 1 and "Error: cannot reach Asterisk's AMI" in refused.output
    assert as_json(provisioned("contact", "list", "--json")) == []


def test_the_plan_names_the_number_once() -> None:
    assert PLAN.summary == (
        "calling Bob (PJSIP/bob), then Lead +13105550188 showing +12125550100 (office)"
    )
    named = replace(PLAN, contact_name="Pat Doe")
    assert "then Pat Doe (+13105550188) showing" in named.summary
