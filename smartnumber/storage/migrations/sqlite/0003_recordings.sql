-- Call recordings and voicemail: files Asterisk wrote under the media directory, named by
-- an id we generated (never by anything a caller sent).

CREATE TABLE recordings (
    id              TEXT PRIMARY KEY,  -- the file's stem: rec-<16 hex> or vm-<16 hex>
    kind            TEXT NOT NULL CHECK (kind IN ('recording', 'voicemail')),
    contact_id      INTEGER REFERENCES contacts(id),  -- none when the caller had no number
    call_id         INTEGER REFERENCES activities(id),
    smart_number_id INTEGER REFERENCES smart_numbers(id),
    path            TEXT NOT NULL,
    seconds         REAL NOT NULL,
    created_at      INTEGER NOT NULL  -- ms since the epoch
);

CREATE INDEX recordings_by_contact ON recordings (contact_id, created_at);
CREATE INDEX recordings_by_time ON recordings (created_at);
