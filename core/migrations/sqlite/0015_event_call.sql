-- The call an event belongs to (its `data.call_id`), for GET /v1/calls and
-- the dashboard's call timeline (issue 20). Written at ingest; NULL for an
-- event without one.
ALTER TABLE events ADD COLUMN call_id TEXT;

UPDATE events SET call_id = json_extract(body, '$.data.call_id')
WHERE json_valid(body) AND json_type(body, '$.data.call_id') = 'text';

CREATE INDEX events_call ON events (call_id) WHERE call_id IS NOT NULL;
