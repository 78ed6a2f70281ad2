-- Texting suspensions (SPEC 7): one agent, 30 days from the offence, with its evidence.

CREATE TABLE suspensions (
    id            INTEGER PRIMARY KEY,
    agent_id      INTEGER NOT NULL REFERENCES agents(id),
    pattern       TEXT NOT NULL,
    summary       TEXT NOT NULL,
    evidence      TEXT NOT NULL,  -- JSON list of {at, lead, what}
    started_at    INTEGER NOT NULL,  -- ms: the offence
    ends_at       INTEGER NOT NULL,
    lifted_at     INTEGER,            -- an admin lifted it early
    lifted_reason TEXT
);

CREATE INDEX suspensions_by_agent ON suspensions (agent_id, ends_at);

-- Texts of one agent, newest first, for the detectors.
CREATE INDEX activities_texts_by_agent ON activities (agent_id, at)
    WHERE kind = 'text' AND direction = 'outbound';
