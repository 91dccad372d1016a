-- Accounts (issue 23), in step with SQLite's 0012: every event, delivery,
-- runtime endpoint and function invocation belongs to one account; rows
-- from before are the `default` account's. Idempotency is per account, so
-- an event's key becomes (account, id) and its deliveries reference it by
-- both. Connector state and health rows are keyed by the target key, which
-- carries the account, so they need no column of their own.
ALTER TABLE events ADD COLUMN account TEXT COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE deliveries ADD COLUMN account TEXT COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (account, id);
ALTER TABLE deliveries ADD FOREIGN KEY (account, event_id) REFERENCES events (account, id);
DROP INDEX deliveries_event;
-- The event id first: an account alone is no narrower than the primary
-- key, and the admin listings (`WHERE account = ...`) must keep walking the
-- primary key newest first instead of sorting one account's rows.
CREATE INDEX deliveries_event ON deliveries (event_id, account);

ALTER TABLE endpoints ADD COLUMN account TEXT COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE function_invocations ADD COLUMN account TEXT COLLATE "C" NOT NULL DEFAULT 'default';

-- Account tokens: confined to one account's admin routes. Only a hash of
-- the secret is kept; `id` is the `tok_<ULID>` the API shows.
CREATE TABLE account_tokens (
    id         TEXT COLLATE "C" PRIMARY KEY,
    account    TEXT COLLATE "C" NOT NULL,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX account_tokens_account ON account_tokens (account, id);

-- One row per deleted account, without the account id or anything else
-- that identifies it: when, and how much was removed.
CREATE TABLE account_deletions (
    id          TEXT COLLATE "C" PRIMARY KEY,
    deleted_at  BIGINT NOT NULL,
    events      BIGINT NOT NULL,
    deliveries  BIGINT NOT NULL,
    endpoints   BIGINT NOT NULL,
    invocations BIGINT NOT NULL,
    tokens      BIGINT NOT NULL
);
