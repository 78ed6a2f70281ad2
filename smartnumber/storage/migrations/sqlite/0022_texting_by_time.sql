-- The compliance report reads a period's texts and notes across all contacts.
CREATE INDEX activities_texting_by_time ON activities (at, id) WHERE kind IN ('text', 'note');
