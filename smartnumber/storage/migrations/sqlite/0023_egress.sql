-- Webhook deliveries are claimed before they are attempted (a worker id and a lease a
-- dead worker loses); a subscription whose receiver keeps failing is paused on its own.
ALTER TABLE webhook_deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE webhook_deliveries ADD COLUMN lease_until INTEGER;
ALTER TABLE webhooks ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN paused_until INTEGER;
-- Hosts a carrier's MMS attachments may be fetched from (comma-separated, '' = the
-- defaults for its kind).
ALTER TABLE carriers ADD COLUMN media_hosts TEXT NOT NULL DEFAULT '';
