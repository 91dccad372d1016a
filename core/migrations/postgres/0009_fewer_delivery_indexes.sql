-- In step with SQLite's 0009, which drops two indexes on `deliveries`
-- (`(connector, id)` and `(status, id)`) because every index is written in
-- each commit of SQLite's single writer and those two cost it a page per
-- connector and per success. PostgreSQL keeps both: its nodes commit in
-- parallel, so an index entry delays no other writer, and the admin
-- listings by connector or by status walk them. Nothing changes here; the
-- migration only keeps the two back-ends' numbering in step.
SELECT 1;
