-- Inbound texts are claimed before they are handled (a worker id and a lease a dead
-- worker loses), so services sharing the database never handle one sender's texts
-- out of order, nor one text twice.
ALTER TABLE text_inbox ADD COLUMN claimed_by TEXT;
ALTER TABLE text_inbox ADD COLUMN lease_until INTEGER;
