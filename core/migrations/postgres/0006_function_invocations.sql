-- Function calls (issue 6): one row per invocation of a `[[functions]]` entry.
-- JSON values are stored as the text they were; times are Unix ms, latency µs.
-- Ids are compared byte by byte (COLLATE "C") so ULID cursors sort as in SQLite.
CREATE TABLE function_invocations (
    id               TEXT COLLATE "C" PRIMARY KEY,
    function_name    TEXT NOT NULL,
    call_id          TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    status_code      BIGINT NOT NULL,
    upstream_status  BIGINT,
    arguments        TEXT NOT NULL,
    result           TEXT,
    error            TEXT,
    response_excerpt TEXT,
    attempts         BIGINT NOT NULL,
    started_at       BIGINT NOT NULL,
    duration_us      BIGINT NOT NULL,
    node             TEXT NOT NULL
);

CREATE INDEX function_invocations_function ON function_invocations (function_name, id);
CREATE INDEX function_invocations_call ON function_invocations (call_id, id);
