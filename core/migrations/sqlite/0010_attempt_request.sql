-- The request a non-webhook attempt sent (issue 14): method, URL, headers and
-- the first 4 KiB of the body, secrets masked, as JSON (`outbound::SentRequest`).
-- NULL when nothing was sent and for webhooks, whose request is the event.
ALTER TABLE attempts ADD COLUMN request TEXT;
