-- Email waiting to go (admins' suspension notices): kept until the mail server took it.

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at    INTEGER,
    suspension_id INTEGER REFERENCES suspensions(id)  -- the notice is about this one
);

CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;
