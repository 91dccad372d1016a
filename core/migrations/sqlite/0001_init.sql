-- Events exactly as accepted; `body` is the envelope every delivery sends.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    created     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    deliveries  INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);

-- One row per (event, connector). Times are Unix milliseconds.
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    event_id         TEXT NOT NULL REFERENCES events(id),
    event_type       TEXT NOT NULL,
    connector        TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempt_count    INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    first_attempt_at INTEGER,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

-- The retry mailbox of each connector: active deliveries by due time.
CREATE INDEX deliveries_due ON deliveries (connector, next_attempt_at)
    WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_connector ON deliveries (connector, id);
CREATE INDEX deliveries_status ON deliveries (status, id);

CREATE TABLE attempts (
    delivery_id      TEXT NOT NULL REFERENCES deliveries(id),
    number           INTEGER NOT NULL,
    started_at       INTEGER NOT NULL,
    duration_ms      INTEGER NOT NULL,
    status_code      INTEGER,
    error            TEXT,
    response_excerpt TEXT,
    node             TEXT NOT NULL,
    PRIMARY KEY (delivery_id, number)
);

-- Connectors disabled at runtime (410 Gone, or by the operator).
CREATE TABLE connector_state (
    name        TEXT PRIMARY KEY,
    disabled    TEXT,
    updated_at  INTEGER NOT NULL
);
