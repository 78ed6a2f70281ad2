-- Which agent has this cell: asked on every inbound text (an agent texting their own
-- Smart Number) and when a cell answers a call through the trunk.
CREATE INDEX agents_cell ON agents (cell);
