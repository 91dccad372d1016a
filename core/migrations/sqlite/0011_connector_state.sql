-- A connector's own small key/value state (issue 16), e.g. the Slack message
-- a call's later events reply to. (`connector_state`, from 0001, says
-- whether a connector is disabled; this is what a connector itself keeps.)
-- Keyed by account so accounts (DESIGN.md section 15) can scope it;
-- connectors of the file belong to `default`. `updated_at` is epoch
-- milliseconds, so retention can age rows out.
CREATE TABLE connector_kv (
    account    TEXT NOT NULL DEFAULT 'default',
    connector  TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account, connector, key)
);
