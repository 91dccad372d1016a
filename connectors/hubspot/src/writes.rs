//! Which contact is the caller, and what to write on it: every key the
//! event has (so the next event finds the same contact), names and address
//! only where HubSpot has none, lead status only on a new contact. What
//! staff typed in HubSpot is never overwritten.

use serde_json::Value;

use crate::{
    api::Record,
    mapping::{ContactPlan, Properties},
};

/// The caller among the search results: the contact with their email,
/// else one holding their number, else none (results are oldest first).
/// A contact holding the number under another email is someone else
/// sharing the phone (a household, an office line): not the caller.
pub fn choose<'a>(
    found: &'a [Record],
    c: &ContactPlan,
    phone_props: &[&str],
) -> Option<&'a Record> {
    let by_email = c.email.as_deref().and_then(|e| {
        found
            .iter()
            .find(|r| r.get("email").eq_ignore_ascii_case(e))
    });
    by_email.or_else(|| {
        let phone = c.phone.as_ref()?;
        let same_person = |r: &&Record| c.email.is_none() || r.get("email").is_empty();
        found
            .iter()
            .filter(same_person)
            .find(|r| phone_props.iter().any(|p| phone.matches(r.get(p))))
    })
}

/// The properties of a new contact: everything the event has (`all`: the
/// search results; a unique phone property one of them holds is left out).
pub fn on_create(c: &ContactPlan, all: &[Record], phone_property: Option<&str>) -> Properties {
    let mut p = c.fill.clone();
    p.extend(c.create_only.clone());
    p.extend(c.overwrite.clone());
    if let Some(e) = &c.email {
        p.insert("email".into(), e.clone().into());
    }
    if let Some(phone) = &c.phone {
        p.insert("phone".into(), phone.best().into());
        if let Some(custom) = phone_property.filter(|k| !held(all, phone, k)) {
            p.insert(custom.into(), phone.best().into());
        }
    }
    p
}

/// What to write on an existing contact `r` (empty: nothing to send).
/// `all` is every contact the search returned: a unique phone property
/// another contact holds is left alone (HubSpot would refuse it).
pub fn on_found(
    r: &Record,
    all: &[Record],
    c: &ContactPlan,
    phone_property: Option<&str>,
) -> Properties {
    let mut p: Properties = c
        .fill
        .iter()
        .filter(|(k, _)| r.get(k).trim().is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    p.extend(c.overwrite.clone());
    if let Some(e) = &c.email {
        if r.get("email").is_empty() {
            p.insert("email".into(), e.clone().into());
        }
    }
    if let Some(phone) = &c.phone {
        add_phone(&mut p, r, all, phone, phone_property);
    }
    p
}

fn add_phone(
    p: &mut Properties,
    r: &Record,
    all: &[Record],
    phone: &crate::phone::Phone,
    phone_property: Option<&str>,
) {
    let best = Value::from(phone.best());
    let known = ["phone", "mobilephone"]
        .iter()
        .any(|k| phone.matches(r.get(k)));
    if !known {
        // A new number for a known caller: into the first free slot.
        if r.get("phone").is_empty() {
            p.insert("phone".into(), best.clone());
        } else if r.get("mobilephone").is_empty() {
            p.insert("mobilephone".into(), best.clone());
        }
    }
    if let Some(custom) = phone_property {
        if !held(all, phone, custom) && r.get(custom).is_empty() {
            p.insert(custom.into(), best);
        }
    }
}

/// Whether a contact already holds the number in the unique property `key`.
fn held(all: &[Record], phone: &crate::phone::Phone, key: &str) -> bool {
    all.iter().any(|o| phone.matches(o.get(key)))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::phone::Phone;

    fn record(id: &str, props: Value) -> Record {
        Record {
            id: id.into(),
            properties: props.as_object().unwrap().clone(),
        }
    }

    fn plan(email: Option<&str>, phone: Option<&str>) -> ContactPlan {
        ContactPlan {
            email: email.map(Into::into),
            phone: phone.and_then(Phone::parse),
            fill: json!({"firstname": "Jordan", "address": "123 Oak St"})
                .as_object()
                .unwrap()
                .clone(),
            create_only: json!({"hs_lead_status": "NEW"})
                .as_object()
                .unwrap()
                .clone(),
            overwrite: Properties::new(),
        }
    }

    #[test]
    fn the_email_wins_over_the_phone_and_formats_do_not_matter() {
        let found = [
            record("1", json!({"phone": "(555) 123-4567"})),
            record("2", json!({"email": "Jordan@Example.com"})),
        ];
        let c = plan(Some("jordan@example.com"), Some("+15551234567"));
        assert_eq!(choose(&found, &c, &["phone"]).unwrap().id, "2");
        let c = plan(None, Some("+1 555 123 4567"));
        assert_eq!(choose(&found, &c, &["phone"]).unwrap().id, "1");
        assert!(choose(&found, &plan(None, Some("+15550000000")), &["phone"]).is_none());
        let shared = [record(
            "3",
            json!({"email": "pat@example.com", "oncall_phone": "+15551234567"}),
        )];
        let c = plan(Some("sam@example.com"), Some("+15551234567"));
        assert!(
            choose(&shared, &c, &["oncall_phone"]).is_none(),
            "a shared phone is not the caller"
        );
        let new = on_create(&c, &shared, Some("oncall_phone"));
        assert_eq!(
            (new.get("phone"), new.get("oncall_phone")),
            (Some(&json!("+15551234567")), None)
        );
    }

    #[test]
    fn staff_edits_survive_and_only_blanks_and_keys_are_written() {
        let r = record(
            "1",
            json!({"firstname": "Jo", "phone": "+15551234567", "hs_lead_status": "CONNECTED"}),
        );
        let c = plan(Some("jordan@example.com"), Some("555-123-4567"));
        let p = on_found(&r, std::slice::from_ref(&r), &c, None);
        assert_eq!(
            Value::Object(p),
            json!({"address": "123 Oak St", "email": "jordan@example.com"})
        );
        let created = on_create(&c, &[], Some("oncall_phone"));
        assert_eq!(created["hs_lead_status"], "NEW");
        assert_eq!(created["oncall_phone"], "+15551234567");
    }

    #[test]
    fn a_unique_phone_held_by_another_contact_is_not_written() {
        let mine = record(
            "1",
            json!({"email": "jordan@example.com", "phone": "+15550000000"}),
        );
        let other = record("2", json!({"oncall_phone": "+15551234567"}));
        let c = plan(Some("jordan@example.com"), Some("+15551234567"));
        let p = on_found(&mine, &[mine.clone(), other], &c, Some("oncall_phone"));
        assert_eq!(p.get("mobilephone"), Some(&json!("+15551234567")));
        assert!(!p.contains_key("oncall_phone"), "{p:?}");
    }
}
