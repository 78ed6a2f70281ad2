-- A call's key, by which Asterisk's own records name it (issue 13): an inbound call's
-- recording/voicemail media id, or the id a click-to-call carries through Asterisk
-- (its timeline entry is written only once Asterisk has taken the Originate). The
-- service reconciles calls from the CDR and the media directory by it.
ALTER TABLE activities ADD COLUMN call_key TEXT;
UPDATE activities SET call_key = json_extract(detail, '$.media_id')
    WHERE kind = 'call' AND json_extract(detail, '$.media_id') IS NOT NULL;
CREATE UNIQUE INDEX activities_call_key ON activities (call_key) WHERE call_key IS NOT NULL;

-- Small facts the service keeps between runs: how far it has read Asterisk's CDR file,
-- up to when it has looked through the media directory.
CREATE TABLE service_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
