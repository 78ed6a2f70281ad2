-- SMS carriers (issue 16): who carries each Smart Number's texts. A number without one
-- texts as SIP MESSAGE over the trunk, as before.
CREATE TABLE carriers (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('sip', 'telnyx', 'twilio')),
    api_url     TEXT NOT NULL DEFAULT '',
    api_key     TEXT NOT NULL DEFAULT '',
    public_key  TEXT NOT NULL DEFAULT '',
    account_sid TEXT NOT NULL DEFAULT '',
    auth_token  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
ALTER TABLE smart_numbers ADD COLUMN sms_carrier_id INTEGER REFERENCES carriers(id);
