-- Accounts (issue 23): every event, delivery, runtime endpoint and function
-- invocation belongs to one account; rows from before are the `default`
-- account's. Idempotency is per account, so an event's key becomes
-- (account, id) and its deliveries reference it by both.
--
-- Connector state and health rows are keyed by the target key, which
-- carries the account (`crm` in the default account, `acme/crm` in
-- `acme`), so they need no column of their own.
--
-- SQLite cannot change a primary key in place, and sqlx runs this file in
-- one transaction, where foreign keys cannot be switched off. So the three
-- tables linked by foreign keys are rebuilt as new tables that reference
-- each other, the old ones dropped children first (no row is ever left
-- without its parent), and the new ones renamed into place (SQLite
-- rewrites the references on rename).
CREATE TABLE events_new (
    account     TEXT NOT NULL DEFAULT 'default',
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    created     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    deliveries  INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (account, id)
);
INSERT INTO events_new (account, id, type, created, body, deliveries, received_at)
    SELECT 'default', id, type, created, body, deliveries, received_at FROM events;

CREATE TABLE deliveries_new (
    id               TEXT PRIMARY KEY,
    event_id         TEXT NOT NULL,
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
    updated_at       INTEGER NOT NULL,
    account          TEXT NOT NULL DEFAULT 'default',
    FOREIGN KEY (account, event_id) REFERENCES events_new (account, id)
);
INSERT INTO deliveries_new (id, event_id, event_type, connector, status, attempt_count,
        next_attempt_at, first_attempt_at, lease_owner, lease_expires_at, last_error,
        created_at, updated_at, account)
    SELECT id, event_id, event_type, connector, status, attempt_count, next_attempt_at,
        first_attempt_at, lease_owner, lease_expires_at, last_error, created_at, updated_at,
        'default'
    FROM deliveries;

CREATE TABLE attempts_new (
    delivery_id      TEXT NOT NULL REFERENCES deliveries_new (id),
    number           INTEGER NOT NULL,
    started_at       INTEGER NOT NULL,
    duration_ms      INTEGER NOT NULL,
    status_code      INTEGER,
    error            TEXT,
    response_excerpt TEXT,
    node             TEXT NOT NULL,
    request          TEXT,
    PRIMARY KEY (delivery_id, number)
);
INSERT INTO attempts_new (delivery_id, number, started_at, duration_ms, status_code, error,
        response_excerpt, node, request)
    SELECT delivery_id, number, started_at, duration_ms, status_code, error, response_excerpt,
        node, request
    FROM attempts;

DROP TABLE attempts;
DROP TABLE deliveries;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
ALTER TABLE deliveries_new RENAME TO deliveries;
ALTER TABLE attempts_new RENAME TO attempts;

-- The indexes of 0001 and 0009, the event's now with its account.
CREATE INDEX deliveries_due ON deliveries (connector, next_attempt_at)
    WHERE status IN ('pending', 'retrying');
-- The event id first: an account alone is no narrower than the primary
-- key, and the admin listings (`WHERE account = ...`) must keep walking the
-- primary key newest first instead of sorting one account's rows.
CREATE INDEX deliveries_event ON deliveries (event_id, account);
CREATE INDEX deliveries_not_succeeded ON deliveries (status, id) WHERE status <> 'succeeded';

ALTER TABLE endpoints ADD COLUMN account TEXT NOT NULL DEFAULT 'default';
ALTER TABLE function_invocations ADD COLUMN account TEXT NOT NULL DEFAULT 'default';

-- Account tokens: confined to one account's admin routes. Only a hash of
-- the secret is kept; `id` is the `tok_<ULID>` the API shows.
CREATE TABLE account_tokens (
    id         TEXT PRIMARY KEY,
    account    TEXT NOT NULL,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX account_tokens_account ON account_tokens (account, id);

-- One row per deleted account, without the account id or anything else
-- that identifies it: when, and how much was removed.
CREATE TABLE account_deletions (
    id          TEXT PRIMARY KEY,
    deleted_at  INTEGER NOT NULL,
    events      INTEGER NOT NULL,
    deliveries  INTEGER NOT NULL,
    endpoints   INTEGER NOT NULL,
    invocations INTEGER NOT NULL,
    tokens      INTEGER NOT NULL
);
