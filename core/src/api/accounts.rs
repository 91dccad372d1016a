//! Accounts (admin token only): what each holds, deleting one whole, and its
//! account tokens (`POST/GET /v1/accounts/{account}/tokens`, `DELETE
//! .../tokens/{id}`), issued once and stored only as a hash.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::{extract::OptionalJson, ApiError, AppState, ErrorCode, OperatorToken};
use crate::{
    account::{token, AccountId, Scope},
    storage::{StoredCounts, TokenRecord},
    time::{now_ms, rfc3339},
};

pub(super) fn configure(cfg: &mut super::ServiceConfig) {
    cfg.service(list_accounts)
        .service(read_account)
        .service(delete_account)
        .service(issue_token)
        .service(list_tokens)
        .service(revoke_token);
}

/// What an account owns.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct AccountCounts {
    /// Events.
    pub events: u64,
    /// Deliveries.
    pub deliveries: u64,
    /// Runtime endpoints.
    pub endpoints: u64,
    /// Connectors (those of the configuration file).
    pub connectors: u64,
    /// Functions (those of the configuration file).
    pub functions: u64,
    /// Function invocations.
    pub invocations: u64,
    /// Account tokens.
    pub tokens: u64,
}

impl AccountCounts {
    fn of(stored: StoredCounts, configured: Configured) -> Self {
        AccountCounts {
            events: stored.events,
            deliveries: stored.deliveries,
            endpoints: stored.endpoints,
            connectors: configured.connectors,
            functions: configured.functions,
            invocations: stored.invocations,
            tokens: stored.tokens,
        }
    }

    fn is_empty(&self) -> bool {
        [
            self.events,
            self.deliveries,
            self.endpoints,
            self.connectors,
            self.functions,
            self.invocations,
            self.tokens,
        ]
        .iter()
        .all(|n| *n == 0)
    }
}

/// What the configuration file gives an account.
#[derive(Debug, Clone, Copy, Default)]
struct Configured {
    connectors: u64,
    functions: u64,
}

fn configured(state: &AppState, scope: &Scope) -> Configured {
    let connectors = state.connectors.read().expect("lock");
    Configured {
        connectors: connectors
            .iter()
            .filter(|c| &c.account == scope.account())
            .count() as u64,
        functions: state.functions.iter(scope).count() as u64,
    }
}

/// An account and what it owns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    /// The account id.
    pub id: String,
    /// What it owns.
    pub counts: AccountCounts,
}

/// Every account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountList {
    /// The accounts, by id.
    pub data: Vec<AccountView>,
    /// Always `null`: every account is in one page.
    pub next_cursor: Option<String>,
}

/// An account id from the path; a malformed one owns nothing, so 404.
fn account_in_path(raw: &str) -> Result<Scope, ApiError> {
    AccountId::parse(raw)
        .map(Scope::of)
        .map_err(|_| ApiError::not_found("account", raw))
}

/// An account's counts, or 404 when it owns nothing.
async fn counts_of(state: &AppState, scope: &Scope) -> Result<AccountCounts, ApiError> {
    let stored = state.store.account_counts(scope).await?;
    let counts = AccountCounts::of(stored, configured(state, scope));
    if counts.is_empty() {
        return Err(ApiError::not_found("account", scope.account().as_str()));
    }
    Ok(counts)
}

/// Every account that owns anything, with its counts.
#[utoipa::path(
    tag = "accounts",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Accounts", body = AccountList),
        (status = 403, description = "An account token (`forbidden`)", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/accounts")]
async fn list_accounts(
    _: OperatorToken,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut ids: Vec<AccountId> = state
        .store
        .accounts()
        .await?
        .into_iter()
        .map(|a| a.account)
        .collect();
    ids.extend((state.connectors.read().expect("lock").iter()).map(|c| c.account.clone()));
    ids.extend(state.functions.accounts());
    ids.sort();
    ids.dedup();
    let mut data = Vec::with_capacity(ids.len());
    for id in ids {
        let scope = Scope::of(id);
        let counts = counts_of(&state, &scope).await?;
        data.push(AccountView {
            id: scope.account().to_string(),
            counts,
        });
    }
    Ok(HttpResponse::Ok().json(AccountList {
        data,
        next_cursor: None,
    }))
}

/// One account's counts.
#[utoipa::path(
    tag = "accounts",
    security(("admin_token" = [])),
    params(("account" = String, Path, description = "Account id")),
    responses(
        (status = 200, description = "The account", body = AccountView),
        (status = 403, description = "An account token (`forbidden`)", body = super::openapi::ErrorBody),
        (status = 404, description = "The account owns nothing", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/accounts/{account}")]
async fn read_account(
    _: OperatorToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = account_in_path(&path)?;
    let counts = counts_of(&state, &scope).await?;
    Ok(HttpResponse::Ok().json(AccountView {
        id: scope.account().to_string(),
        counts,
    }))
}

/// Removes everything the account owns in storage (events, deliveries,
/// runtime endpoints, invocations, tokens) and answers what was removed,
/// once it is gone (on SQLite from the database file and its WAL too).
/// Connectors and functions of the configuration file stay: the file owns them.
#[utoipa::path(
    tag = "accounts",
    security(("admin_token" = [])),
    params(("account" = String, Path, description = "Account id")),
    responses(
        (status = 200, description = "Removed; the counts of what was", body = AccountCounts),
        (status = 403, description = "An account token (`forbidden`)", body = super::openapi::ErrorBody),
        (status = 404, description = "The account owns nothing", body = super::openapi::ErrorBody),
        (status = 409, description = "The `default` account cannot be deleted (`default_account`)", body = super::openapi::ErrorBody),
    )
)]
#[delete("/v1/accounts/{account}")]
async fn delete_account(
    _: OperatorToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = account_in_path(&path)?;
    if scope.account().is_default() {
        return Err(ApiError::new(
            ErrorCode::DefaultAccount,
            "the default account cannot be deleted",
        ));
    }
    counts_of(&state, &scope).await?;
    let deleted = state.store.delete_account(&scope).await?;
    for key in &deleted.endpoint_keys {
        // Not stored any more: this node retires its actor (others hear of it).
        state.endpoints.reload(key).await?;
    }
    tracing::info!(account = %scope.account(), events = deleted.counts.events, "account deleted");
    Ok(HttpResponse::Ok().json(AccountCounts::of(deleted.counts, Configured::default())))
}

/// Body of `POST /v1/accounts/{account}/tokens`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// A label for operators ("Zapier"): up to 100 characters, no NUL.
    #[serde(default)]
    #[schema(max_length = 100, pattern = "^[^\\u0000]*$")]
    pub name: String,
}

impl NewToken {
    /// The label, if storable: a NUL cannot be kept in a PostgreSQL text
    /// column, and a label is for people to read.
    fn checked_name(self) -> Result<String, ApiError> {
        if self.name.chars().count() > 100 || self.name.contains('\0') {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                "a token's name is at most 100 characters, without NUL",
            )
            .at("/name"));
        }
        Ok(self.name)
    }
}

/// An account token as listed: never the token itself.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    /// `tok_<ULID>`.
    pub id: String,
    /// The operator's label.
    pub name: String,
    /// When it was issued (RFC 3339).
    pub created_at: String,
    /// The token, `sbk_...`: only in the answer to its issue.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl TokenView {
    fn of(t: &TokenRecord) -> Self {
        TokenView {
            id: t.id.clone(),
            name: t.name.clone(),
            created_at: rfc3339(t.created_at),
            token: None,
        }
    }
}

/// An account's tokens.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenList {
    /// The tokens, oldest first.
    pub data: Vec<TokenView>,
    /// Always `null`: every token is in one page.
    pub next_cursor: Option<String>,
}

/// Issues an account token, confined to this account; the token is shown
/// in this answer only.
#[utoipa::path(
    tag = "accounts",
    security(("admin_token" = [])),
    params(("account" = String, Path, description = "Account id")),
    request_body(content = Option<NewToken>, description = "Optional: no body means no name"),
    responses(
        (status = 201, description = "Issued; `token` is shown this once", body = TokenView),
        (status = 403, description = "An account token (`forbidden`)", body = super::openapi::ErrorBody),
        (status = 404, description = "Not an account id", body = super::openapi::ErrorBody),
        (status = 422, description = "A name over 100 characters or with a NUL (`invalid_request`)", body = super::openapi::ErrorBody),
    )
)]
#[post("/v1/accounts/{account}/tokens")]
async fn issue_token(
    _: OperatorToken,
    path: web::Path<String>,
    body: OptionalJson<NewToken>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = account_in_path(&path)?;
    let name = body.0.unwrap_or_default().checked_name()?;
    let issued = token::issue();
    let record = TokenRecord {
        id: issued.id,
        account: scope.account().clone(),
        name,
        hash: issued.hash,
        created_at: now_ms(),
    };
    state.store.save_token(&record).await?;
    tracing::info!(account = %scope.account(), token = %record.id, "account token issued");
    Ok(HttpResponse::Created().json(TokenView {
        token: Some(issued.token),
        ..TokenView::of(&record)
    }))
}

/// An account's tokens (never the tokens themselves).
#[utoipa::path(
    tag = "accounts",
    security(("admin_token" = [])),
    params(("account" = String, Path, description = "Account id")),
    responses(
        (status = 200, description = "Tokens", body = TokenList),
        (status = 403, description = "An account token (`forbidden`)", body = super::openapi::ErrorBody),
        (status = 404, description = "Not an account id", body = super::openapi::ErrorBody),
    )
)]
#[get("/v1/accounts/{account}/tokens")]
async fn list_tokens(
    _: OperatorToken,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let scope = account_in_path(&path)?;
    let data = state
        .store
        .tokens(&scope)
        .await?
        .iter()
        .map(TokenView::of)
        .collect();
    Ok(HttpResponse::Ok().json(TokenList {
        data,
        next_cursor: None,
    }))
}

/// Revokes an account token, at once on every node.
#[utoipa::path(
    tag = "accounts",
    security(("admin_token" = [])),
    params(
        ("account" = String, Path, description = "Account id"),
        ("id" = String, Path, description = "Token id (`tok_<ULID>`)"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "An account token (`forbidden`)", body = super::openapi::ErrorBody),
        (status = 404, description = "No such token in this account", body = super::openapi::ErrorBody),
    )
)]
#[delete("/v1/accounts/{account}/tokens/{id}")]
async fn revoke_token(
    _: OperatorToken,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (account, id) = path.into_inner();
    let scope = account_in_path(&account)?;
    if !state.store.revoke_token(&scope, &id).await? {
        return Err(ApiError::not_found("token", &id));
    }
    tracing::info!(account = %scope.account(), token = %id, "account token revoked");
    Ok(HttpResponse::NoContent().finish())
}
