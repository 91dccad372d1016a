//! The HubSpot simulator (testkit) itself behaves like HubSpot: unique
//! emails (409 with the existing id), upsert only by a unique property,
//! search as an OR of AND groups, notes only on contacts by type 202, the
//! token, the 10-second budget.

use serde_json::{json, Value};
use switchboard_testkit::hubspot::{HubSpotSim, TOKEN};

async fn call(sim: &HubSpotSim, method: &str, path: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{}{path}", sim.base_url()))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

const CONTACTS: &str = "/crm/v3/objects/contacts";
const UPSERT: &str = "/crm/v3/objects/contacts/batch/upsert";
const SEARCH: &str = "/crm/v3/objects/contacts/search";
const NOTES: &str = "/crm/v3/objects/notes";

fn eq(k: &str, v: &str) -> Value {
    json!({"propertyName": k, "operator": "EQ", "value": v})
}

#[tokio::test]
async fn emails_are_unique_and_upserts_need_a_unique_property() {
    let sim = HubSpotSim::start().await;
    let create = json!({"properties": {"email": "a@example.com"}, "associations": []});
    let (s, first) = call(&sim, "POST", CONTACTS, create.clone()).await;
    assert_eq!(s, 201);
    let (s, dup) = call(&sim, "POST", CONTACTS, create).await;
    assert_eq!((s, dup["category"].as_str()), (409, Some("CONFLICT")));
    let existing = format!(
        "Contact already exists. Existing ID: {}",
        first["id"].as_str().unwrap()
    );
    assert_eq!(dup["message"], existing);
    let no_assoc = json!({"properties": {"email": "b@example.com"}});
    assert_eq!(call(&sim, "POST", CONTACTS, no_assoc).await.0, 400);
    let upsert =
        |k: &str, id: &str| json!({"inputs": [{"idProperty": k, "id": id, "properties": {}}]});
    let (s, e) = call(&sim, "POST", UPSERT, upsert("phone", "+15551234567")).await;
    assert_eq!((s, e["category"].as_str()), (400, Some("VALIDATION_ERROR")));
    let (s, _) = call(&sim, "POST", UPSERT, upsert("email", "A@example.com")).await;
    assert_eq!((s, sim.contacts().len()), (200, 1));
}

#[tokio::test]
async fn search_ors_groups_and_ands_filters() {
    let sim = HubSpotSim::start().await;
    sim.add_contact(&[("email", "a@example.com")]);
    sim.add_contact(&[("phone", "+15551234567")]);
    let search = |groups: Value| json!({"filterGroups": groups, "properties": ["email", "phone"]});
    let either = json!([{"filters": [eq("email", "A@example.com")]}, {"filters": [eq("phone", "+15551234567")]}]);
    assert_eq!(
        call(&sim, "POST", SEARCH, search(either)).await.1["total"],
        2
    );
    let both = json!([{"filters": [eq("email", "a@example.com"), eq("phone", "+15551234567")]}]);
    assert_eq!(call(&sim, "POST", SEARCH, search(both)).await.1["total"], 0);
    let six: Vec<Value> = (0..6)
        .map(|_| json!({"filters": [eq("email", "x@example.com")]}))
        .collect();
    assert_eq!(
        call(&sim, "POST", SEARCH, search(json!(six))).await.0,
        400,
        "at most 5 groups"
    );
}

#[tokio::test]
async fn notes_need_a_time_and_a_contact_association_of_type_202() {
    let sim = HubSpotSim::start().await;
    let id = sim.add_contact(&[("email", "a@example.com")]);
    let note = |type_id: u64, props: Value| {
        let types =
            [json!({"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id})];
        json!({"properties": props, "associations": [{"to": {"id": id}, "types": types}]})
    };
    let untimed = note(202, json!({"hs_note_body": "hi"}));
    assert_eq!(
        call(&sim, "POST", NOTES, untimed).await.0,
        400,
        "hs_timestamp is required"
    );
    let props = json!({"hs_note_body": "hi", "hs_timestamp": "2024-05-08T20:26:50Z"});
    assert_eq!(
        call(&sim, "POST", NOTES, note(194, props.clone())).await.0,
        400
    );
    assert_eq!(call(&sim, "POST", NOTES, note(202, props)).await.0, 201);
    assert_eq!(sim.notes_of(&id).len(), 1);
}

#[tokio::test]
async fn the_token_and_the_ten_second_budget_are_enforced() {
    let sim = HubSpotSim::start().await;
    let resp = reqwest::Client::new()
        .post(format!("{}{SEARCH}", sim.base_url()))
        .bearer_auth("wrong")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    sim.ten_secondly_budget(1);
    assert_eq!(call(&sim, "POST", SEARCH, json!({})).await.0, 200);
    let (s, body) = call(&sim, "POST", SEARCH, json!({})).await;
    assert_eq!(
        (s, body["policyName"].as_str()),
        (429, Some("TEN_SECONDLY_ROLLING"))
    );
}
