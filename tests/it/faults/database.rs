//! A database file the hub must not use (locked, damaged, read-only): a real
//! `switchboard serve` refuses to start with an error naming the problem and
//! the fix, and leaves the file exactly as it was.

use std::{path::Path, str::FromStr};

use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection, Executor};

use crate::support::{
    process::{free_port, process_config, serve_failing},
    root::{root_or_skip, ReadOnlyView},
};

fn config_for(dir: &Path, db: &Path) -> std::path::PathBuf {
    process_config(free_port(), "http://127.0.0.1:9")
        .database(db)
        .write(dir)
}

async fn connect(db: &Path) -> sqlx::SqliteConnection {
    SqliteConnectOptions::from_str(&format!("sqlite://{}", db.display()))
        .unwrap()
        .create_if_missing(true)
        .connect()
        .await
        .unwrap()
}

/// A valid SQLite file (not WAL, so everything is in the one file) with
/// enough rows to span many pages.
async fn make_database(db: &Path) {
    let mut conn = connect(db).await;
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .await
        .unwrap();
    conn.execute("CREATE INDEX t_body ON t (body)")
        .await
        .unwrap();
    for i in 0..400 {
        sqlx::query("INSERT INTO t (body) VALUES (?)")
            .bind(format!("{i:05} {}", "row ".repeat(50)))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    conn.close().await.unwrap();
}

#[actix_rt::test]
async fn a_locked_database_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let mut holder = connect(&db).await;
    holder
        .execute("PRAGMA locking_mode = EXCLUSIVE")
        .await
        .unwrap();
    holder.execute("BEGIN EXCLUSIVE").await.unwrap();
    holder.execute("CREATE TABLE other_tool (x)").await.unwrap();

    let (ok, stderr) = serve_failing(&config_for(dir.path(), &db));
    assert!(!ok);
    assert!(
        stderr.contains("is locked by another process") && stderr.contains("hub.db"),
        "{stderr}"
    );
    holder.execute("ROLLBACK").await.unwrap();
}

#[actix_rt::test]
async fn a_file_that_is_not_a_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let junk: Vec<u8> = b"these are not the bytes of a database\n"
        .iter()
        .copied()
        .cycle()
        .take(8192)
        .collect();
    std::fs::write(&db, &junk).unwrap();

    let (ok, stderr) = serve_failing(&config_for(dir.path(), &db));
    assert!(!ok);
    assert!(
        stderr.contains("is damaged or not a Switchboard database")
            && stderr.contains("restore it from a backup"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), junk, "the file is unchanged");
}

#[actix_rt::test]
async fn a_damaged_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    make_database(&db).await;
    let mut bytes = std::fs::read(&db).unwrap();
    let page = 4096;
    assert!(bytes.len() > 8 * page, "the table spans pages");
    // Scribble over two pages in the middle, as a bad disk sector would.
    for b in &mut bytes[3 * page..5 * page] {
        *b = 0x5a;
    }
    std::fs::write(&db, &bytes).unwrap();

    let (ok, stderr) = serve_failing(&config_for(dir.path(), &db));
    assert!(!ok);
    assert!(
        stderr.contains("is damaged or not a Switchboard database"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "the file is unchanged");
}

#[actix_rt::test]
async fn a_read_only_database_is_a_clear_startup_error() {
    if !root_or_skip("a_read_only_database_is_a_clear_startup_error") {
        return;
    }
    let source = tempfile::tempdir().unwrap();
    make_database(&source.path().join("hub.db")).await;
    let view = ReadOnlyView::of(source.path());
    let db = view.path().join("hub.db");
    let dir = tempfile::tempdir().unwrap();

    let (ok, stderr) = serve_failing(&config_for(dir.path(), &db));
    assert!(!ok);
    assert!(
        stderr.contains("for writing") || stderr.contains("read-only"),
        "{stderr}"
    );
    assert!(stderr.contains(&db.display().to_string()), "{stderr}");
}
