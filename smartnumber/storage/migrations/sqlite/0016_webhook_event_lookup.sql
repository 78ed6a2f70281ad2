-- Deliveries by their event: what a replay finds, and what pruning old events deletes.
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id, status);
