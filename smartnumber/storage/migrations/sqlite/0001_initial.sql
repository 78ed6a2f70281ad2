-- The model of SPEC section 1. Times are integer milliseconds since the epoch, UTC.

CREATE TABLE offices (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE teams (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    office_id INTEGER NOT NULL REFERENCES offices(id)
);

CREATE TABLE agents (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    cell        TEXT NOT NULL,
    endpoint    TEXT UNIQUE,              -- 'PJSIP/alice'
    sip_contact TEXT,                     -- static 'sip:alice@127.0.0.3:5060', else registration
    sip_secret  TEXT,
    office_id   INTEGER REFERENCES offices(id),
    team_id     INTEGER REFERENCES teams(id),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    admin       INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    email       TEXT
);

CREATE TABLE smart_numbers (
    id                INTEGER PRIMARY KEY,
    e164              TEXT NOT NULL UNIQUE,
    scope             TEXT NOT NULL CHECK (scope IN ('office', 'team', 'personal')),
    office_id         INTEGER REFERENCES offices(id),
    team_id           INTEGER REFERENCES teams(id),
    agent_id          INTEGER REFERENCES agents(id),
    is_primary        INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    fallback_agent_id INTEGER REFERENCES agents(id),
    settings          TEXT NOT NULL DEFAULT '{}',   -- JSON: per-number settings
    CHECK ((scope = 'office'   AND office_id IS NOT NULL AND team_id IS NULL AND agent_id IS NULL)
        OR (scope = 'team'     AND team_id IS NOT NULL AND office_id IS NULL AND agent_id IS NULL)
        OR (scope = 'personal' AND agent_id IS NOT NULL AND office_id IS NULL AND team_id IS NULL))
);
CREATE INDEX smart_numbers_agent ON smart_numbers (agent_id) WHERE agent_id IS NOT NULL;
CREATE INDEX smart_numbers_team ON smart_numbers (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX smart_numbers_office ON smart_numbers (office_id) WHERE office_id IS NOT NULL;

CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    owner_agent_id  INTEGER REFERENCES agents(id),
    owner_team_id   INTEGER REFERENCES teams(id),
    owner_office_id INTEGER REFERENCES offices(id),
    source          TEXT NOT NULL DEFAULT 'manual',
    created_at      INTEGER NOT NULL
);
CREATE INDEX contacts_owner_agent ON contacts (owner_agent_id);

-- Opt-out state and line type belong to a number, not to the person.
CREATE TABLE contact_phones (
    contact_id   INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    e164         TEXT NOT NULL,
    subscription TEXT NOT NULL DEFAULT 'subscribed'
                 CHECK (subscription IN ('subscribed', 'unsubscribed')),
    line_type    TEXT NOT NULL DEFAULT 'unknown'
                 CHECK (line_type IN ('mobile', 'landline', 'voip', 'unknown')),
    PRIMARY KEY (contact_id, e164)
);
-- Caller lookup: which contacts have this number (shared numbers: couples, families).
CREATE INDEX contact_phones_e164 ON contact_phones (e164, contact_id);

CREATE TABLE activities (
    id              INTEGER PRIMARY KEY,
    contact_id      INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    agent_id        INTEGER REFERENCES agents(id),
    kind            TEXT NOT NULL CHECK (kind IN ('call', 'text', 'email', 'search_alert',
                                                  'auto', 'note', 'recording', 'voicemail')),
    direction       TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
    at              INTEGER NOT NULL,
    smart_number_id INTEGER REFERENCES smart_numbers(id),
    detail          TEXT NOT NULL DEFAULT '{}',    -- JSON
    external_id     TEXT UNIQUE                    -- the CRM's id: re-imports do not duplicate
);
-- The timeline, newest first.
CREATE INDEX activities_timeline ON activities (contact_id, at);
-- SPEC 3.2.1: latest call or text with an agent, per contact (covering: no table lookups).
CREATE INDEX activities_latest_conversation ON activities (contact_id, at, agent_id)
    WHERE kind IN ('call', 'text') AND agent_id IS NOT NULL;
-- SPEC 3.2.2: latest outbound activity of any kind with an agent, per contact.
CREATE INDEX activities_latest_outbound ON activities (contact_id, at, agent_id)
    WHERE direction = 'outbound' AND agent_id IS NOT NULL;
CREATE INDEX activities_agent ON activities (agent_id, at);

-- Installation-wide settings (trunk, binds, credentials): key -> text value.
CREATE TABLE system_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
