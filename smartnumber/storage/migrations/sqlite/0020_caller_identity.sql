-- SHAKEN/STIR and CNAM per Smart Number (SPEC 6, issue 17): where each registration
-- stands, and the caller name an approved CNAM gives outbound legs.
CREATE TABLE number_identity (
    number_id          INTEGER PRIMARY KEY REFERENCES smart_numbers(id) ON DELETE CASCADE,
    shaken_status      TEXT CHECK (shaken_status IN ('pending', 'approved', 'rejected')),
    shaken_attestation TEXT CHECK (shaken_attestation IN ('A', 'B', 'C')),
    cnam_name          TEXT,
    cnam_status        TEXT CHECK (cnam_status IN ('pending', 'approved', 'rejected'))
);
