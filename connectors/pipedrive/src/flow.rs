//! One delivery attempt: find the caller's person (search by email, then by
//! number) or create it, add what it lacks, then the lead and the note.
//! Pipedrive has no idempotency key, so an attempt after the first looks
//! for what an earlier one made before writing: the note carrying this
//! event's marker (then everything is done), and the person's lead with
//! this title.

use switchboard_core::{
    connector::{caller::Caller, marker, vendor, MappingError, Outcome, Verdict},
    outbound::{OutboundClient, OutboundRequest, Response},
};

use crate::{
    api::{self, Field, Person},
    classify,
    mapping::Plan,
    Pipedrive,
};

/// A step's result; `Err` ends the attempt with that outcome.
type Step<T> = Result<T, Outcome>;

/// One attempt of one delivery.
pub struct Attempt<'a> {
    /// The connector.
    pub pd: &'a Pipedrive,
    /// The outbound client.
    pub http: &'a OutboundClient,
    /// The event's id (the note's marker).
    pub event_id: &'a str,
    /// 1-based attempt number (later attempts look for earlier writes).
    pub number: u32,
}

impl Attempt<'_> {
    /// Runs the plan; the outcome of the last request sent.
    pub async fn run(&self, plan: Plan) -> Outcome {
        self.steps(plan).await.unwrap_or_else(|o| o)
    }

    async fn steps(&self, plan: Plan) -> Step<Outcome> {
        let (person, mut last) = self.find_or_create(&plan.person).await?;
        if self.number > 1 && plan.note.is_some() {
            let (outcome, resp) = self.send(self.pd.api.list_notes(person.id)).await?;
            let mark = marker::marker(self.event_id);
            if api::note_contents(&resp).iter().any(|c| c.contains(&mark)) {
                return Ok(outcome);
            }
        }
        let mut lead_id = None;
        if let Some(lead) = &plan.lead {
            let (id, outcome) = self.lead(lead, person.id).await?;
            lead_id = Some(id);
            last = outcome;
        }
        if let Some(text) = &plan.note {
            let content = marker::html_with_marker(text, self.event_id);
            let r = self
                .pd
                .api
                .create_note(&content, person.id, lead_id.as_deref());
            last = self.send(r).await?.0;
        }
        Ok(last)
    }

    /// Sends; a success is `Ok` with its answer.
    async fn send(&self, r: Result<OutboundRequest, MappingError>) -> Step<(Outcome, Response)> {
        vendor::send_step(self.http, r, classify::judge).await
    }

    /// The caller's person: by email, else by each form of the number;
    /// what it lacks is added. A caller nobody can find again (no email,
    /// no number) gets a new person.
    async fn find_or_create(&self, p: &Caller) -> Step<(Person, Outcome)> {
        let mut searches: Vec<(&str, Field)> = Vec::new();
        searches.extend(p.email.as_deref().map(|e| (e, Field::Email)));
        for form in p.phone.iter().flat_map(|ph| ph.forms()) {
            searches.push((form, Field::Phone));
        }
        for (term, field) in searches {
            let (outcome, resp) = self.send(self.pd.api.search_persons(term, field)).await?;
            if let Some(found) = api::found_persons(&resp).into_iter().next() {
                let outcome = self.complete(&found, p).await?.unwrap_or(outcome);
                return Ok((found, outcome));
            }
        }
        let (outcome, resp) = self.send(self.pd.api.create_person(p)).await?;
        match api::created_person(&resp) {
            Some(person) => Ok((person, outcome)),
            // Created but unnamed: the next attempt's search finds it.
            None => Err(
                Outcome::from_response(Verdict::Retry { after: None }, &resp)
                    .with_error("Pipedrive's person answer has no `data.id`"),
            ),
        }
    }

    /// Adds the email or number a found person lacks, so the caller's next
    /// event (keyed by the other) finds the same person.
    async fn complete(&self, found: &Person, p: &Caller) -> Step<Option<Outcome>> {
        let country = self.pd.country.as_deref();
        let mut last = None;
        if let Some(e) = &p.email {
            if !found.emails.iter().any(|x| x.eq_ignore_ascii_case(e)) {
                let values = with(&found.emails, e);
                let r = self.pd.api.update_person(found.id, Field::Email, &values);
                last = Some(self.send(r).await?.0);
            }
        }
        if let Some(phone) = &p.phone {
            if !found.phones.iter().any(|x| phone.matches(x, country)) {
                let values = with(&found.phones, phone.best());
                let r = self.pd.api.update_person(found.id, Field::Phone, &values);
                last = Some(self.send(r).await?.0);
            }
        }
        Ok(last)
    }

    /// The lead's id: an earlier attempt's lead of this person with this
    /// title (after the first attempt), else a new one.
    async fn lead(
        &self,
        lead: &crate::mapping::LeadPlan,
        person_id: u64,
    ) -> Step<(String, Outcome)> {
        if self.number > 1 {
            let (outcome, resp) = self.send(self.pd.api.list_leads(person_id)).await?;
            if let Some((id, _)) = api::leads(&resp)
                .into_iter()
                .find(|(_, t)| *t == lead.title)
            {
                return Ok((id, outcome));
            }
        }
        let (outcome, resp) = self.send(self.pd.api.create_lead(lead, person_id)).await?;
        match api::created_id(&resp) {
            Some(id) => Ok((id, outcome)),
            None => Err(
                Outcome::from_response(Verdict::Retry { after: None }, &resp)
                    .with_error("Pipedrive's lead answer has no `data.id`"),
            ),
        }
    }
}

fn with(existing: &[String], new: &str) -> Vec<String> {
    let mut v = existing.to_vec();
    v.push(new.to_owned());
    v
}
