//! The data lifecycle (issue 18) end to end, on SQLite and PostgreSQL:
//! retention prunes what is past its age and keeps what is still active,
//! erasure removes one caller from the database files, backups taken under
//! load hold every acknowledged event, and a SIGKILL mid-prune or
//! mid-erasure loses nothing that should stay.

mod backup;
mod erasure;
mod kill;
mod redact;
mod retention;
mod store;
