-- Every index on `deliveries` is written in each ingest commit, and the
-- single writer's cost is mostly pages written and synced (BENCHMARKS.md,
-- isolation). Two of them paid for little:
--
-- `(connector, id)` put one page per connector into every commit: an event
-- for eleven connectors touched eleven pages of it. Listing one connector's
-- deliveries now walks the primary key newest first and stops at a page's
-- worth, which is quick unless the connector is a tiny share of a huge table;
-- its queued deliveries are in `deliveries_due`.
DROP INDEX deliveries_connector;

-- `(status, id)` took an entry for every success, which is most rows, and a
-- delete and an insert when a delivery succeeded. Succeeded rows are found
-- at once by walking the primary key; the rarer states keep their index.
DROP INDEX deliveries_status;
CREATE INDEX deliveries_not_succeeded ON deliveries (status, id) WHERE status <> 'succeeded';
