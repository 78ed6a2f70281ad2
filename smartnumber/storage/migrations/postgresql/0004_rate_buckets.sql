-- The HTTP API's rate limits, shared by every API process on the database: one token
-- bucket per key (an API token, or an address's failed attempts), from which each
-- process takes a few tokens at a time.
CREATE TABLE rate_buckets (
    key        TEXT PRIMARY KEY,
    tokens     DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL
);
