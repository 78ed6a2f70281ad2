-- Click-to-call asked for over the HTTP API: kept here, then placed by whichever routing
-- service claims it (any node's), exactly once. A request is claimed for good: an
-- Originate that may have reached Asterisk is never sent again.
CREATE TABLE call_requests (
    id           INTEGER PRIMARY KEY,
    call_key     TEXT NOT NULL UNIQUE,   -- the call's name from the 202 to call.ended
    plan         TEXT NOT NULL,          -- JSON: calls/click_to_call.Plan
    requested_at INTEGER NOT NULL,
    claimed_by   TEXT,                   -- the service placing it
    claimed_at   INTEGER,
    done_at      INTEGER,
    outcome      TEXT                    -- how placing it ended, in words
);
CREATE INDEX call_requests_waiting ON call_requests (id) WHERE claimed_by IS NULL;
