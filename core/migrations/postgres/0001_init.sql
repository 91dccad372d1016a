-- PostgreSQL schema: the same tables as the SQLite one, times in Unix milliseconds.

-- Events exactly as accepted; `body` is the envelope every delivery sends.
-- Ids are compared byte by byte (COLLATE "C"), as in SQLite: ULIDs then
-- sort by creation time whatever the database's locale.
CREATE TABLE events (
    id          TEXT COLLATE "C" PRIMARY KEY,
    type        TEXT NOT NULL,
    created     BIGINT NOT NULL,
    body        TEXT NOT NULL,
    deliveries  BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);

-- One row per (event, connector). `lease_owner` / `lease_expires_at` say
-- which node is attempting it and until when another node must keep off.
CREATE TABLE deliveries (
    id               TEXT COLLATE "C" PRIMARY KEY,
    event_id         TEXT NOT NULL REFERENCES events(id),
    event_type       TEXT NOT NULL,
    connector        TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempt_count    BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    first_attempt_at BIGINT,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);

-- The retry mailbox of each connector: active deliveries by due time.
CREATE INDEX deliveries_due ON deliveries (connector, next_attempt_at)
    WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_connector ON deliveries (connector, id);
CREATE INDEX deliveries_status ON deliveries (status, id);
CREATE INDEX deliveries_created ON deliveries (created_at);

CREATE TABLE attempts (
    delivery_id      TEXT NOT NULL REFERENCES deliveries(id),
    number           BIGINT NOT NULL,
    started_at       BIGINT NOT NULL,
    duration_ms      BIGINT NOT NULL,
    status_code      BIGINT,
    error            TEXT,
    response_excerpt TEXT,
    node             TEXT NOT NULL,
    PRIMARY KEY (delivery_id, number)
);

-- Connectors disabled at runtime (410 Gone, or by the operator).
CREATE TABLE connector_state (
    name        TEXT PRIMARY KEY,
    disabled    TEXT,
    updated_at  BIGINT NOT NULL
);
