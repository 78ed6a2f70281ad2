-- Revocation in any reasonable words (issue 17): the phrases admins add to the rules,
-- and the numbers whose next text from an agent waits for the agent to confirm they
-- read an ambiguous message (`text send --anyway`).
CREATE TABLE optout_phrases (
    phrase     TEXT PRIMARY KEY,  -- normalised (routing/revocation.normalised)
    added_at   INTEGER NOT NULL
);
CREATE TABLE text_holds (
    e164       TEXT PRIMARY KEY,
    body       TEXT NOT NULL,     -- what the lead wrote
    rule       TEXT NOT NULL,     -- why it reads as maybe a request to stop
    at         INTEGER NOT NULL
);
