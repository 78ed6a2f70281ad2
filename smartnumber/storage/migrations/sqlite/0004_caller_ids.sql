-- An agent's own numbers (a cell, a desk line) shown as caller ID instead of a Smart
-- Number, once the agent proved they answer it (SPEC 2), and which one is in use.

CREATE TABLE caller_ids (
    agent_id    INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    e164        TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,  -- verification calls placed
    verified_at INTEGER,                     -- ms since the epoch; NULL until proved
    in_use      INTEGER NOT NULL DEFAULT 0 CHECK (in_use IN (0, 1)),
    PRIMARY KEY (agent_id, e164),
    CHECK (in_use = 0 OR verified_at IS NOT NULL)
);

-- At most one caller ID in use per agent.
CREATE UNIQUE INDEX caller_ids_one_in_use ON caller_ids (agent_id) WHERE in_use = 1;
