-- Every inbound text is stored here before anything is done about it (issue 13), then
-- processed from here: a STOP survives the routing service or the database being away
-- when it arrives. The carrier's message key makes a text that arrives twice (Asterisk
-- retried, or it was also spooled) one text.

CREATE TABLE text_inbox (
    id             INTEGER PRIMARY KEY,
    message_key    TEXT NOT NULL UNIQUE,  -- SHA-1 of the SIP Call-ID and CSeq, or our own
    smart_number   TEXT NOT NULL,         -- the number texted, E.164
    sender         TEXT NOT NULL,         -- the user part of the From URI ('' if none)
    from_header    TEXT NOT NULL,         -- the From header as the carrier sent it
    body           TEXT NOT NULL,
    content_length INTEGER,               -- what the carrier said the body was, in bytes
    via            TEXT NOT NULL CHECK (via IN ('agi', 'spool', 'inject')),
    received_at    INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    processed_at   INTEGER,               -- NULL: still to be handled
    outcome        TEXT                   -- what was done, or why it could not be
);
CREATE INDEX text_inbox_pending ON text_inbox (id) WHERE processed_at IS NULL;
