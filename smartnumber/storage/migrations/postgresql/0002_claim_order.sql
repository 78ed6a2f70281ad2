-- Claims read queues in order and stop at the batch's size: PostgreSQL's b-tree ties
-- are not in id order (SQLite's carry the rowid), so the order is spelled out, and each
-- conversation's pending items are found by an index of their own.
CREATE INDEX text_outbox_claim_order ON text_outbox (not_before, id) WHERE status = 'queued';
CREATE INDEX text_outbox_queued_to ON text_outbox (recipient, id) WHERE status = 'queued';
CREATE INDEX text_inbox_pending_from ON text_inbox (sender, id) WHERE processed_at IS NULL;
-- Queues fill and drain in bursts: their statistics are refreshed sooner than the
-- default 10 % of the table, so the planner keeps reading them in index order.
ALTER TABLE text_outbox SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 500);
ALTER TABLE text_inbox SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 500);
ALTER TABLE webhook_deliveries SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 500);
