-- Per-number routing for callers no agent is attached to (SPEC 3.4), and lead assignment.

CREATE TABLE number_routing (
    number_id     INTEGER PRIMARY KEY REFERENCES smart_numbers(id) ON DELETE CASCADE,
    mode          TEXT NOT NULL CHECK (mode IN ('agent', 'receptionist', 'group', 'round-robin')),
    last_agent_id INTEGER REFERENCES agents(id)   -- round-robin: who got the previous call
);

CREATE TABLE number_routing_agents (
    number_id INTEGER NOT NULL REFERENCES number_routing(number_id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    agent_id  INTEGER NOT NULL REFERENCES agents(id),
    PRIMARY KEY (number_id, position)
);

-- Who works the lead now; the owner may be an agent or, after redirection, their entity.
ALTER TABLE contacts ADD COLUMN assigned_agent_id INTEGER REFERENCES agents(id);
