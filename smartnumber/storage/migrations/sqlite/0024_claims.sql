-- Texts and emails are claimed before they are sent (a worker id and a lease a dead
-- worker loses), so two services sharing the database never send one twice.
ALTER TABLE text_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE text_outbox ADD COLUMN lease_until INTEGER;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN lease_until INTEGER;
