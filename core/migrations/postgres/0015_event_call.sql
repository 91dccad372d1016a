-- The call an event belongs to (its `data.call_id`), for GET /v1/calls and
-- the dashboard's call timeline (issue 20). Written at ingest; NULL for an
-- event without one.
ALTER TABLE events ADD COLUMN call_id TEXT;

-- `json`, not `jsonb`: jsonb refuses the escape \u0000 that an accepted
-- envelope may hold elsewhere; such bodies are skipped rather than failing
-- the migration.
UPDATE events SET call_id = body::json -> 'data' ->> 'call_id'
WHERE body NOT LIKE '%\u0000%'
  AND json_typeof(body::json -> 'data' -> 'call_id') = 'string';

CREATE INDEX events_call ON events (call_id) WHERE call_id IS NOT NULL;
