-- Runtime endpoints (issue 5): webhook connectors created through the admin
-- API. `urls`, `events` and `secrets` are JSON text; times are Unix ms.
-- Enabled/disabled state lives in connector_state, as for configured connectors.
CREATE TABLE endpoints (
    id          TEXT PRIMARY KEY,
    url         TEXT,
    urls        TEXT NOT NULL,
    events      TEXT,
    description TEXT NOT NULL,
    secrets     TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
