//! The account scope of every admin route, added from the document rather
//! than written on each handler: the `account` query parameter (the admin
//! token acts on it; absent: `default`), the account token as an
//! alternative credential, and its 403 for another account.

use serde_json::{json, Value};

/// Paths of routes that manage accounts: the admin token only, the account
/// is in the path.
const ACCOUNTS_PREFIX: &str = "/v1/accounts";

/// Adds the account scope to every operation secured by the admin token.
pub(super) fn scope_admin_routes(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        // `/metrics` takes the admin token only when configured to, and
        // never an account token; routes managing accounts name theirs.
        if !path.starts_with("/v1/") || path.starts_with(ACCOUNTS_PREFIX) {
            continue;
        }
        for op in item
            .as_object_mut()
            .into_iter()
            .flat_map(|m| m.values_mut())
        {
            if takes_admin_token(op) {
                scope(op);
            }
        }
    }
}

fn takes_admin_token(op: &Value) -> bool {
    op["security"]
        .as_array()
        .is_some_and(|s| s.iter().any(|a| a.get("admin_token").is_some()))
}

fn scope(op: &mut Value) {
    if let Some(security) = op["security"].as_array_mut() {
        security.push(json!({"account_token": []}));
    }
    let param = json!({
        "name": "account",
        "in": "query",
        "required": false,
        "description": "The account to act on (admin token; absent: `default`). An account token acts on its own account; naming another is 403.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    });
    match op["parameters"].as_array_mut() {
        Some(params) => params.push(param),
        None => op["parameters"] = json!([param]),
    }
    op["responses"]["403"] = json!({
        "description": "An account token naming another account in `account` (`forbidden`)",
    });
}
