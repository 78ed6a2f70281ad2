-- Texts held by a worker's claim, by recipient: a claim checks that no other worker
-- holds an earlier text to the same number (a conversation goes out in order).
CREATE INDEX text_outbox_held ON text_outbox (recipient) WHERE lease_until IS NOT NULL;
