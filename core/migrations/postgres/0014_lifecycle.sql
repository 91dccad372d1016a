-- Data lifecycle (issue 18).
--
-- The erasure log: one row per erasure, never the identifier in clear (its
-- SHA-256 only). `account` scopes it once a hub serves several accounts.
CREATE TABLE erasures (
    id              TEXT COLLATE "C" PRIMARY KEY,
    account         TEXT NOT NULL DEFAULT 'default',
    erased_at       BIGINT NOT NULL,
    requested_by    TEXT NOT NULL,
    identifier_kind TEXT NOT NULL,
    identifier_hash TEXT NOT NULL,
    events          BIGINT NOT NULL,
    deliveries      BIGINT NOT NULL,
    invocations     BIGINT NOT NULL
);

-- Events no connector subscribed to have no delivery to be pruned with;
-- retention finds them here instead of scanning every event.
CREATE INDEX events_bare ON events (received_at) WHERE deliveries = 0;
