-- The failing-target lifecycle (issue 25, DESIGN section 16): per target,
-- the last state an operational event was emitted for, so every node's
-- periodic check can run and exactly one wins each transition (a conditional
-- UPDATE on this row); the deliveries that failed after their retries in the
-- current period and whether `switchboard.delivery.exhausted` went out for
-- it; the last probe of a target disabled for no success; and the last time
-- a vendor refused a connector's credentials (401/403) and whether
-- `switchboard.connector.auth_failed` went out for it.
CREATE TABLE target_transitions (
    name                 TEXT PRIMARY KEY,
    -- 'ok', 'failing' or 'disabled'
    alerted              TEXT NOT NULL,
    period_start         BIGINT,
    exhausted            BIGINT NOT NULL DEFAULT 0,
    exhausted_alerted_at BIGINT,
    probed_at            BIGINT,
    auth_refused_at      BIGINT,
    auth_alerted_at      BIGINT,
    updated_at           BIGINT NOT NULL
);
