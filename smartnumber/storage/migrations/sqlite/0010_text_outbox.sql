-- Every text that leaves goes through here (issue 13): written in the same transaction as
-- what it reports (the timeline entry, the opt-out), delivered by the routing service
-- from here, retried with backoff, its status kept. Automatic texts refused by policy
-- (outside the US and Canada, past the per-sender limit) are kept too, as 'refused'.

CREATE TABLE text_outbox (
    id          INTEGER PRIMARY KEY,
    sender      TEXT NOT NULL,             -- the Smart Number, E.164
    recipient   TEXT NOT NULL,             -- E.164
    body        TEXT NOT NULL,
    purpose     TEXT NOT NULL,             -- sent, forward, confirmation, auto-reply, ...
    activity_id INTEGER REFERENCES activities(id),  -- the timeline entry showing its status
    status      TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sent', 'failed', 'cancelled', 'refused')),
    created_at  INTEGER NOT NULL,
    not_before  INTEGER NOT NULL,          -- the next attempt, not earlier
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,                      -- why it failed, was cancelled or refused
    sent_at     INTEGER                    -- when the carrier side (Asterisk) accepted it
);
-- What the deliverer asks every second: what is due.
CREATE INDEX text_outbox_due ON text_outbox (not_before) WHERE status = 'queued';
-- Automatic texts to one number in the last hour (the per-sender limit).
CREATE INDEX text_outbox_recipient ON text_outbox (recipient, created_at);
