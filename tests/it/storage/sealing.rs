//! Endpoint secrets encrypted at rest (`[storage] secret_key`), on both
//! back-ends: what lands in the database is sealed, plaintext stored before a
//! key was set is sealed when the store opens with one, and a missing or
//! wrong key is a clear error rather than a hub that signs with garbage.

use base64::{engine::general_purpose::STANDARD, Engine};
use switchboard_core::account::Scope;
use switchboard_core::{
    config::{Secret, StorageConfig},
    endpoints::{EndpointRecord, EndpointSecret},
    signing::SigningKey,
    storage::{self, SealError, StoreError, SEALED_PREFIX},
};

use super::support::{pg, storage_config, Pg};

fn key(byte: u8) -> Secret {
    Secret::new(STANDARD.encode([byte; 32]))
}

fn keyed(url: &str, key: Option<Secret>) -> StorageConfig {
    StorageConfig {
        secret_key: key,
        ..storage_config(url)
    }
}

fn endpoint(secret: &str) -> EndpointRecord {
    EndpointRecord {
        id: "ep_01JSEALTEST0000000000000000".into(),
        account: Default::default(),
        url: Some("https://example.com/hook".into()),
        urls: Default::default(),
        events: None,
        description: "sealing".into(),
        secrets: vec![EndpointSecret {
            secret: Secret::new(secret),
            expires_at: None,
        }],
        created_at: 1,
        updated_at: 1,
    }
}

/// Reads the `secrets` column as stored, bypassing the store.
enum Raw {
    Sqlite(String),
    Postgres(Pg),
}

impl Raw {
    async fn secrets(&self) -> String {
        let sql = "SELECT secrets FROM endpoints";
        match self {
            Raw::Sqlite(url) => {
                let pool = sqlx::SqlitePool::connect(url).await.expect("open");
                let text = sqlx::query_scalar(sql).fetch_one(&pool).await.expect("row");
                pool.close().await;
                text
            }
            Raw::Postgres(pg) => pg.scalar(sql).await,
        }
    }

    fn url(&self) -> &str {
        match self {
            Raw::Sqlite(url) => url,
            Raw::Postgres(pg) => &pg.url,
        }
    }
}

async fn secrets_are_sealed_at_rest(raw: &Raw) {
    let secret = SigningKey::generate();
    let body = secret.trim_start_matches("whsec_");
    let url = raw.url();

    // Stored before any key: plaintext JSON.
    let plain = storage::open(&keyed(url, None)).await.expect("open");
    plain.save_endpoint(&endpoint(&secret)).await.unwrap();
    assert!(raw.secrets().await.starts_with('['));

    // Opening with a key seals it, and the store still reads the secret.
    let sealed = storage::open(&keyed(url, Some(key(1))))
        .await
        .expect("open");
    let stored = raw.secrets().await;
    assert!(stored.starts_with(SEALED_PREFIX), "{stored}");
    assert!(!stored.contains(body), "the secret is readable in the row");
    let back = sealed.endpoints().await.unwrap();
    assert_eq!(back[0].secrets[0].secret.expose(), secret);

    // A save through the keyed store stays sealed, with a fresh nonce.
    sealed.save_endpoint(&back[0]).await.unwrap();
    let resaved = raw.secrets().await;
    assert!(resaved.starts_with(SEALED_PREFIX) && resaved != stored);

    // Without the key, or with another, the store says so.
    let keyless = storage::open(&keyed(url, None)).await.expect("open");
    match keyless.endpoints().await {
        Err(StoreError::Seal(SealError::NoKey { what })) => assert!(what.contains("ep_01J")),
        other => panic!("expected NoKey, got {other:?}"),
    }
    let wrong = storage::open(&keyed(url, Some(key(2))))
        .await
        .expect("open");
    let err = wrong
        .endpoint(&Scope::default(), "ep_01JSEALTEST0000000000000000")
        .await;
    assert!(
        matches!(err, Err(StoreError::Seal(SealError::WrongKey { .. }))),
        "{err:?}"
    );
    assert!(err.unwrap_err().to_string().contains("secret_key"));
}

#[actix_rt::test]
async fn sqlite_seals_endpoint_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    secrets_are_sealed_at_rest(&Raw::Sqlite(url)).await;
}

#[actix_rt::test]
async fn postgres_seals_endpoint_secrets() {
    let Some(pg) = pg("sealing").await else {
        return;
    };
    let raw = Raw::Postgres(pg);
    secrets_are_sealed_at_rest(&raw).await;
    if let Raw::Postgres(pg) = raw {
        pg.drop().await;
    }
}
