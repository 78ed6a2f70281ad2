-- Line types known for numbers or NPA-NXX prefixes (landlines cannot receive texts), and
-- the registrations a US number needs before it may text (SPEC 6 "Compliance").

CREATE TABLE line_types (
    prefix    TEXT PRIMARY KEY,  -- a whole E.164 number, or '+1' + NPA + NXX
    line_type TEXT NOT NULL CHECK (line_type IN ('mobile', 'landline', 'voip', 'unknown'))
);

CREATE TABLE brands (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    ein        TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    brand_id   INTEGER NOT NULL REFERENCES brands(id),
    use_case   TEXT NOT NULL,
    samples    TEXT NOT NULL,  -- JSON list of sample messages
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at INTEGER NOT NULL
);

CREATE TABLE number_registrations (
    number_id       INTEGER PRIMARY KEY REFERENCES smart_numbers(id) ON DELETE CASCADE,
    campaign_id     INTEGER REFERENCES campaigns(id),
    tollfree_status TEXT CHECK (tollfree_status IN ('pending', 'verified', 'rejected'))
);
