-- The number on the other side of a text, as a column: the spam detectors ask "what did
-- this agent send, and did those numbers reply?", and SQL asks only columns, never keys
-- inside the JSON detail.
ALTER TABLE activities ADD COLUMN peer TEXT;
UPDATE activities SET peer = CASE direction
        WHEN 'outbound' THEN json_extract(detail, '$.to')
        ELSE json_extract(detail, '$.from') END
    WHERE kind = 'text';
-- Partial: calls, emails and notes (most of the timeline) carry no peer and cost nothing.
CREATE INDEX activities_text_peer ON activities (direction, peer, at) WHERE kind = 'text';
