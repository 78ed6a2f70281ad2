"""Channel-variable names shared by the FastAGI handlers, the dialplan templates and tests."""

from typing import Final

STATUS: Final = "SMARTNUMBER_STATUS"  # OK | FALLBACK | ERROR, set by every handler
REASON: Final = "SMARTNUMBER_REASON"  # one readable line, for logs and the timeline
DID: Final = "SMARTNUMBER_DID"  # the Smart Number called, set by the dialplan (E.164)
DIAL: Final = "SMARTNUMBER_DIAL"  # dial targets built by the handler from the database
TIMEOUT: Final = "SMARTNUMBER_TIMEOUT"  # ring time in seconds
CALL: Final = "SMARTNUMBER_CALL"  # the call's timeline entry id, read back when it ends
FORWARD: Final = "SMARTNUMBER_FORWARD"  # a dial target through the trunk, after or instead
CALLERID: Final = "SMARTNUMBER_CALLERID"  # caller ID for the answering phones, if not the caller's
MEDIA_ID: Final = "SMARTNUMBER_MEDIA_ID"  # 16 hex digits naming the call's recording/voicemail
RECORD: Final = "SMARTNUMBER_RECORD"  # "1": record the bridged call
VOICEMAIL: Final = "SMARTNUMBER_VOICEMAIL"  # "1": nobody answered -> the caller may leave one
WHISPER: Final = "SMARTNUMBER_WHISPER"  # prompt key played to the answering party
CONSENT: Final = "SMARTNUMBER_CONSENT"  # prompt key played to the caller before recording
TEXT_FROM: Final = "SMARTNUMBER_TEXT_FROM"  # an inbound text's From header, base64
TEXT_BODY: Final = "SMARTNUMBER_TEXT_BODY"  # an inbound text's body, base64
TEXT_BYTES: Final = "SMARTNUMBER_TEXT_BYTES"  # its Content-Length, as the carrier sent it
TEXT_KEY: Final = "SMARTNUMBER_TEXT_KEY"  # SHA-1 of its Call-ID and CSeq: one text, once
VERIFY: Final = "SMARTNUMBER_VERIFY"  # id of a caller-ID verification call (hex)
PROMPT: Final = "SMARTNUMBER_PROMPT"  # prompt key the verification call plays

# The AMI UserEvent the hangup handler sends with a call's outcome.
CALL_ENDED_EVENT: Final = "SmartnumberCallEnded"
# The AMI UserEvent a verification call sends with the digits the answerer keyed.
VERIFY_EVENT: Final = "SmartnumberVerify"
VERIFY_DIGITS: Final = 6

# The only shape of dial string a handler may set: PJSIP endpoints or trunk numbers joined
# by '&'. Handlers check it; the dialplan re-checks the characters (FILTER) before Dial.
DIAL_TARGET_RE: Final = (
    r"PJSIP/[A-Za-z0-9_.-]+|PJSIP/\+[0-9]{7,15}@trunk|Local/\+[0-9]{7,15}@smartnumber-connect"
)
DIAL_STRING_RE: Final = rf"^({DIAL_TARGET_RE})(&({DIAL_TARGET_RE}))*$"

ALL: Final = {
    "STATUS": STATUS,
    "REASON": REASON,
    "DID": DID,
    "DIAL": DIAL,
    "TIMEOUT": TIMEOUT,
    "CALL": CALL,
    "FORWARD": FORWARD,
    "CALLERID": CALLERID,
    "MEDIA_ID": MEDIA_ID,
    "RECORD": RECORD,
    "VOICEMAIL": VOICEMAIL,
    "WHISPER": WHISPER,
    "CONSENT": CONSENT,
    "TEXT_FROM": TEXT_FROM,
    "TEXT_BODY": TEXT_BODY,
    "TEXT_BYTES": TEXT_BYTES,
    "TEXT_KEY": TEXT_KEY,
    "VERIFY": VERIFY,
    "PROMPT": PROMPT,
}
