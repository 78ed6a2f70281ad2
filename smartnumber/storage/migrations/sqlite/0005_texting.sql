-- Texting (SPEC 6): who opted out, by phone number (whoever the number belongs to, even
-- nobody yet), and text codes with their auto-replies.

CREATE TABLE text_opt_outs (
    e164 TEXT PRIMARY KEY,
    at   INTEGER NOT NULL  -- ms since the epoch: when they texted STOP (or similar)
);

CREATE TABLE text_codes (
    code       TEXT PRIMARY KEY,  -- texting.code_key(): case-folded
    reply      TEXT NOT NULL,
    agent_id   INTEGER REFERENCES agents(id),  -- leads go to this agent, else
    number_id  INTEGER REFERENCES smart_numbers(id),  -- this number's routing, else
    created_at INTEGER NOT NULL                        -- the number texted's routing
);
