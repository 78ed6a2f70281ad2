"""The one contract between Python and the dialplan templates: every name that crosses.

Channel variables the FastAGI handlers and the dialplan read and write, the contexts the
templates define and the code originates into, the carrier's endpoint, the FastAGI
route names, the statuses a handler answers, the UserEvents the dialplan sends and their
fields, and the CDR variables the reconciler reads. Each is written here once; the
templates get them as Jinja globals (render.environment), and a test checks that the
rendered files and the code use exactly these and no others.
"""

from __future__ import annotations

import re
from enum import IntEnum, StrEnum
from typing import Final

# -- channel variables: a handler's answers and what the dialplan hands over ---------------
ANSWER: Final = "SMARTNUMBER_ANSWER"  # the incoming handler's whole answer (AnswerField)
STATUS: Final = "SMARTNUMBER_STATUS"  # a Status: set by the message handler, and by the
# dialplan from ANSWER
REASON: Final = "SMARTNUMBER_REASON"  # the message handler's one readable line, for the log
DID: Final = "SMARTNUMBER_DID"  # the Smart Number called, set by the dialplan (E.164)
CALL: Final = "SMARTNUMBER_CALL"  # the call's reference, read back when it ends
CALLERID: Final = "SMARTNUMBER_CALLERID"  # caller ID for the answering phones, if not the caller's
CALLERNAME: Final = "SMARTNUMBER_CALLERNAME"  # with it, the number's approved CNAM name
MEDIA_ID: Final = "SMARTNUMBER_MEDIA_ID"  # 16 hex digits naming the call's recording/voicemail
RECORD: Final = "SMARTNUMBER_RECORD"  # "1": record the bridged call
CONSENT: Final = "SMARTNUMBER_CONSENT"  # prompt key played to the caller before recording
TEXT_FROM: Final = "SMARTNUMBER_TEXT_FROM"  # an inbound text's From header, base64
TEXT_BODY: Final = "SMARTNUMBER_TEXT_BODY"  # an inbound text's body, base64
TEXT_BYTES: Final = "SMARTNUMBER_TEXT_BYTES"  # its Content-Length, as the carrier sent it
TEXT_KEY: Final = "SMARTNUMBER_TEXT_KEY"  # SHA-1 of its Call-ID and CSeq: one text, once
VERIFY: Final = "SMARTNUMBER_VERIFY"  # id of a caller-ID verification call (hex)
PROMPT: Final = "SMARTNUMBER_PROMPT"  # prompt key the verification call plays

VARIABLES: Final = {
    "ANSWER": ANSWER,
    "STATUS": STATUS,
    "REASON": REASON,
    "DID": DID,
    "CALL": CALL,
    "CALLERID": CALLERID,
    "CALLERNAME": CALLERNAME,
    "MEDIA_ID": MEDIA_ID,
    "RECORD": RECORD,
    "CONSENT": CONSENT,
    "TEXT_FROM": TEXT_FROM,
    "TEXT_BODY": TEXT_BODY,
    "TEXT_BYTES": TEXT_BYTES,
    "TEXT_KEY": TEXT_KEY,
    "VERIFY": VERIFY,
    "PROMPT": PROMPT,
}


class Context(StrEnum):
    """The dialplan contexts smartnumber's templates define (besides one per DID)."""

    FROM_TRUNK = "smartnumber-from-trunk"  # calls from the carrier, one entry per DID
    AGENTS = "smartnumber-agents"  # the agents' own phones
    CALL_ENDED = "smartnumber-call-ended"  # the hangup handler that reports an outcome
    ROUTE = "smartnumber-route"  # asks the service whom to ring, and rings them
    CONNECT = "smartnumber-connect"  # an external leg that must press 1 (call connect)
    ACCEPT = "smartnumber-accept"  # on that leg once it answers
    WHISPER = "smartnumber-whisper"  # played to whoever answers
    CONSENT = "smartnumber-consent"  # a click-to-call's recording notice, to the contact
    CLICK_TO_CALL = "smartnumber-click-to-call"  # where click-to-call's Originate lands
    VERIFY = "smartnumber-verify"  # a caller-ID verification call
    MESSAGES = "smartnumber-messages"  # the trunk's message_context: inbound texts
    TEXT_IN = "smartnumber-text-in"  # keeps one inbound text (service, else the spool)


DID_CONTEXT_PREFIX: Final = "smartnumber-did-"


def did_context(e164: str) -> str:
    """The context of one Smart Number's calls."""
    return f"{DID_CONTEXT_PREFIX}{e164.lstrip('+')}"


# -- the PJSIP sections smartnumber renders itself (agents may not take these names) ---------
TRUNK: Final = "trunk"  # the carrier's endpoint
TRANSPORT: Final = "transport-udp"
SECTIONS: Final = frozenset({TRUNK, TRANSPORT, "global", "system"})


class Route(StrEnum):
    """FastAGI script names: agi://host:port/NAME?token=..."""

    INCOMING = "incoming"  # whom does this call ring?
    MESSAGE = "message"  # keep this inbound text


class Status(StrEnum):
    """What a handler answers in STATUS."""

    OK = "OK"
    FALLBACK = "FALLBACK"  # the dialplan takes the number's fallback (or spools a text)
    ERROR = "ERROR"


class AnswerField(IntEnum):
    """The fields of ANSWER, in order, as CUT() numbers them: the incoming handler answers in
    one SET VARIABLE (each command is a round trip Asterisk pays for), and the dialplan splits
    it with one MSet. Every field but REASON holds only the characters of ANSWER_CHARS
    (checked by the dialplan, all at once, before it splits), each only those of its own
    FILTER set in ANSWER_FIELD_CHARS (checked again as it splits). REASON, free text for
    the log, comes last: separators in it stay in it."""

    STATUS = 1  # a Status
    CALL = 2  # the call's reference (CALL_REFERENCE_RE), empty when none
    TIMEOUT = 3  # ring time in seconds
    DIAL = 4  # dial targets (dial.py)
    FORWARD = 5  # one dial target through the trunk, after or instead
    CALLERID = 6  # caller ID for the answering phones, if not the caller's
    CALLERNAME = 7  # with it, the number's approved CNAM name
    MEDIA_ID = 8  # 16 hex digits naming the call's recording/voicemail
    RECORD = 9  # "1": record the bridged call
    VOICEMAIL = 10  # "1": nobody answered -> the caller may leave one
    WHISPER = 11  # prompt key played to the answering party
    CONSENT = 12  # prompt key played to the caller before recording
    ROUTED = 13  # what the call writes, for its CDR (calls/call_record.py), empty when none
    REASON = 14  # one readable line, for the log


ANSWER_SEPARATOR: Final = "^"
# Each field's characters, as FILTER() spells them ('-' first: later it would make a range;
# they read the same as a regular expression's [...] class).
_DIAL_CHARS = "-A-Za-z0-9/+@&._"
_HEX = "0-9a-f"
ANSWER_FIELD_CHARS: Final = {
    AnswerField.STATUS: "A-Z",
    AnswerField.CALL: "0-9a-fk",
    AnswerField.TIMEOUT: "0-9",
    AnswerField.DIAL: _DIAL_CHARS,
    AnswerField.FORWARD: _DIAL_CHARS,
    AnswerField.CALLERID: "+0-9",
    AnswerField.CALLERNAME: "- .&A-Za-z0-9",
    AnswerField.MEDIA_ID: _HEX,
    AnswerField.RECORD: "1",
    AnswerField.VOICEMAIL: "1",
    AnswerField.WHISPER: _HEX,
    AnswerField.CONSENT: _HEX,
    AnswerField.ROUTED: "-A-Za-z0-9_",  # base64url
}
# Every character any field but REASON may hold, and the separator: no ',', quote,
# backslash, parenthesis or '$', so the split fields are safe inside MSet's arguments.
ANSWER_CHARS: Final = "- ^A-Za-z0-9/+@&._"


# -- AMI UserEvents the dialplan sends ----------------------------------------------------
CALL_ENDED_EVENT: Final = "SmartnumberCallEnded"  # a call's outcome, from the hangup handler
CALL_ENDED_FIELDS: Final = (
    "Call",  # CALL: the call's reference
    "DialStatus",  # DIALSTATUS
    "Peer",  # DIALEDPEERNAME
    "PeerNumber",  # DIALEDPEERNUMBER
    "AnsweredTime",  # ANSWEREDTIME
    "Did",  # DID
    "Status",  # STATUS: how the call was routed
    "Media",  # the media id its files are named by
    "Caller",  # the caller's number, filtered to digits and '+'
)
VERIFY_EVENT: Final = "SmartnumberVerify"  # the digits keyed in on a verification call
VERIFY_FIELDS: Final = ("Id", "Code")
VERIFY_DIGITS: Final = 6


class Cdr(StrEnum):
    """CDR variables the dialplan sets and cdr_custom.conf writes for the reconciler."""

    CALL = "sn_call"  # the call's reference
    MEDIA = "sn_media"  # its media id
    ROUTED = "sn_routed"  # what a routed call writes, should the service not have (AnswerField)


CDR_FILE: Final = "smartnumber.csv"  # under <astlogdir>/cdr-custom/

# A call's reference, as CALL carries it: the timeline entry's id, or k<key> for a call
# written down only once Asterisk took it (click-to-call).
CALL_KEY_PREFIX: Final = "k"
CALL_REFERENCE_RE: Final = re.compile(rf"^(?:\d+|{CALL_KEY_PREFIX}[0-9a-f]{{16}})$")


def jinja_globals() -> dict[str, object]:
    """The names as the templates see them."""
    return {
        "var": dict(VARIABLES),
        "ctx": {c.name: c.value for c in Context},
        "route": {r.name: r.value for r in Route},
        "status": {s.name: s.value for s in Status},
        "endpoint": {"TRUNK": TRUNK, "TRANSPORT": TRANSPORT},
        "event": {"CALL_ENDED": CALL_ENDED_EVENT, "VERIFY": VERIFY_EVENT},
        "cdr": {c.name: c.value for c in Cdr} | {"FILE": CDR_FILE},
        "verify_digits": VERIFY_DIGITS,
        "answer": {f.name: int(f) for f in AnswerField},
        "answer_chars": {f.name: chars for f, chars in ANSWER_FIELD_CHARS.items()}
        | {"ALL": ANSWER_CHARS, "SEPARATOR": ANSWER_SEPARATOR},
    }
