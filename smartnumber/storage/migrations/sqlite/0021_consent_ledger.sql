-- The consent ledger (issue 17): how and when each number consented to texts, and every
-- opt-out and opt-in after, in order. Nothing is ever deleted from it.
CREATE TABLE consent_ledger (
    id        INTEGER PRIMARY KEY,
    e164      TEXT NOT NULL,
    event     TEXT NOT NULL CHECK (event IN ('consent', 'opt-out', 'opt-in')),
    method    TEXT NOT NULL DEFAULT '',  -- consent: web-form | text-code | verbal | import
    evidence  TEXT NOT NULL DEFAULT '',
    at        INTEGER NOT NULL
);
CREATE INDEX consent_ledger_number ON consent_ledger (e164, id);
