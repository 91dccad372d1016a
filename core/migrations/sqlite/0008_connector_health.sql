-- Health of each connector and endpoint (issue 5): written by the actors at
-- most a few times a second, read by the admin API and the disable-after check.
-- `failing_since`: first failure after the last success (NULL when healthy).
CREATE TABLE connector_health (
    name                 TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL,
    last_success_at      INTEGER,
    last_failure_at      INTEGER,
    failing_since        INTEGER,
    updated_at           INTEGER NOT NULL
);
