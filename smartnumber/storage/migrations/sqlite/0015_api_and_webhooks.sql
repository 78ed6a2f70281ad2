-- The CRM's door (SPEC 10): its own id for a contact, API tokens, webhook subscriptions,
-- the events they report and each event's delivery to each subscription.

-- The CRM upserts contacts by its own id.
ALTER TABLE contacts ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX contacts_external_id ON contacts (external_id) WHERE external_id IS NOT NULL;
-- An agent's own contacts (the agent role sees only these).
CREATE INDEX contacts_assigned_agent ON contacts (assigned_agent_id)
    WHERE assigned_agent_id IS NOT NULL;

-- Bearer tokens: only a SHA-256 of each is kept (they are 256 random bits, so a slow
-- password hash would add nothing but latency to every request).
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'integration', 'agent')),
    agent_id     INTEGER REFERENCES agents(id),
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER,
    CHECK ((role = 'agent') = (agent_id IS NOT NULL))
);

CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,            -- event types, comma-separated
    agent_id        INTEGER REFERENCES agents(id),  -- only events about this agent
    secret          TEXT NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at      INTEGER NOT NULL
);

-- Every event, kept as the body receivers get: written in the transaction of the change
-- it reports, delivered from here, replayed from here.
CREATE TABLE webhook_events (
    id         INTEGER PRIMARY KEY,
    event_id   TEXT NOT NULL UNIQUE,
    type       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    contact_id INTEGER,
    agent_id   INTEGER,
    payload    TEXT NOT NULL
);
CREATE INDEX webhook_events_at ON webhook_events (at);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES webhook_events(id),
    webhook_id      INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    ordering_key    TEXT NOT NULL,            -- 'contact:12': one at a time, in order
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'failed', 'dropped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, ordering_key, id)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);
