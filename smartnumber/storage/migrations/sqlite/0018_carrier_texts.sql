-- Texts through HTTP carriers (issue 16). The outbox keeps which carrier took a text and
-- its message id there, how far delivery got (the receipts' best word: sent, delivered,
-- failed, undelivered) and the carrier's error code and what we learnt from it.
ALTER TABLE text_outbox ADD COLUMN carrier_id INTEGER REFERENCES carriers(id);
ALTER TABLE text_outbox ADD COLUMN carrier_message_id TEXT;
ALTER TABLE text_outbox ADD COLUMN delivery TEXT;
ALTER TABLE text_outbox ADD COLUMN carrier_code TEXT;
ALTER TABLE text_outbox ADD COLUMN carrier_meaning TEXT;
CREATE UNIQUE INDEX text_outbox_carrier_message
    ON text_outbox (carrier_id, carrier_message_id) WHERE carrier_message_id IS NOT NULL;
-- An agent's texts a carrier filtered as spam (a spam signal).
CREATE INDEX text_outbox_carrier_meaning ON text_outbox (carrier_meaning, created_at)
    WHERE carrier_meaning IS NOT NULL;

-- Every status callback, kept before it is acted on; one row per (message, status), so a
-- callback sent twice is one receipt. A receipt may arrive before we have recorded the
-- message id it names: it waits here and is applied when we do.
CREATE TABLE carrier_receipts (
    id          INTEGER PRIMARY KEY,
    carrier_id  INTEGER NOT NULL REFERENCES carriers(id),
    message_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    code        TEXT NOT NULL DEFAULT '',
    received_at INTEGER NOT NULL,
    UNIQUE (carrier_id, message_id, status)
);

-- Inbound texts now also arrive by a carrier's webhook ('carrier'), maybe with media (a
-- JSON list of {url, content_type}). SQLite cannot change a CHECK: the table is rebuilt.
CREATE TABLE text_inbox_new (
    id             INTEGER PRIMARY KEY,
    message_key    TEXT NOT NULL UNIQUE,  -- SHA-1 of the SIP Call-ID and CSeq, carrier:id, or ours
    smart_number   TEXT NOT NULL,
    sender         TEXT NOT NULL,
    from_header    TEXT NOT NULL,
    body           TEXT NOT NULL,
    content_length INTEGER,
    via            TEXT NOT NULL CHECK (via IN ('agi', 'spool', 'inject', 'carrier')),
    received_at    INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    processed_at   INTEGER,
    outcome        TEXT,
    carrier_id     INTEGER REFERENCES carriers(id),
    media          TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO text_inbox_new (id, message_key, smart_number, sender, from_header, body,
    content_length, via, received_at, attempts, processed_at, outcome)
    SELECT id, message_key, smart_number, sender, from_header, body, content_length, via,
        received_at, attempts, processed_at, outcome FROM text_inbox;
DROP TABLE text_inbox;
ALTER TABLE text_inbox_new RENAME TO text_inbox;
CREATE INDEX text_inbox_pending ON text_inbox (id) WHERE processed_at IS NULL;
