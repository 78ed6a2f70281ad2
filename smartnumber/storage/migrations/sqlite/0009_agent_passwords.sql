-- Every agent endpoint authenticates with a password, phones at a fixed address too
-- (those were added without one): give each such agent 32 random hex digits.
UPDATE agents SET sip_secret = lower(hex(randomblob(16)))
    WHERE endpoint IS NOT NULL AND (sip_secret IS NULL OR sip_secret = '');
