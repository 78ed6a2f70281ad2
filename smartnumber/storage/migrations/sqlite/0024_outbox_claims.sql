-- Texts are claimed before they are sent (a worker id and a lease a dead worker loses), so
-- two services sharing the database never send one text twice.
ALTER TABLE text_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE text_outbox ADD COLUMN lease_until INTEGER;
