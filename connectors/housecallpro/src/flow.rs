//! One attempt: find the caller's customer (search by email, then by
//! number) or create it, then the lead or the job. Housecall Pro has no
//! idempotency key, so an attempt after the first first lists the
//! customer's leads or jobs for the one carrying this event's marker.

use switchboard_core::{
    connector::{caller::Caller, marker, vendor, Connector, MappingError, Outcome, Verdict},
    outbound::{OutboundClient, OutboundRequest, Response},
};

use crate::{
    api::{self, Customer, Work},
    mapping::Plan,
    HousecallPro,
};

/// A step's result; `Err` ends the attempt with that outcome.
type Step<T> = Result<T, Outcome>;

/// One attempt of one delivery.
pub struct Attempt<'a> {
    /// The connector.
    pub hcp: &'a HousecallPro,
    /// The outbound client.
    pub http: &'a OutboundClient,
    /// The event's id (the marker).
    pub event_id: &'a str,
    /// 1-based attempt number.
    pub number: u32,
}

impl Attempt<'_> {
    /// Runs the plan; the outcome of the last request sent.
    pub async fn run(&self, plan: Plan) -> Outcome {
        self.steps(plan).await.unwrap_or_else(|o| o)
    }

    async fn steps(&self, plan: Plan) -> Step<Outcome> {
        let customer = self.find_or_create(&plan).await?;
        let plan =
            if plan.work == Work::Job && customer.address_id.is_none() && plan.address.is_none() {
                plan.as_lead()
            } else {
                plan
            };
        if self.number > 1 {
            let (outcome, resp) = self
                .send(self.hcp.api.list_work(plan.work, &customer.id))
                .await?;
            if api::lists_marked(&resp, plan.work, &marker::marker(self.event_id)) {
                return Ok(outcome);
            }
        }
        let mut fields = plan.fields.clone();
        if plan.work == Work::Job {
            // A job without any address became a lead above.
            let address_id = match &customer.address_id {
                Some(id) => id.clone(),
                None => {
                    let street = plan.address.as_deref().unwrap_or_default();
                    self.add_address(&customer.id, street).await?
                }
            };
            fields.insert("address_id".into(), address_id.into());
        }
        Ok(self
            .send(self.hcp.api.create_work(plan.work, fields, &customer.id))
            .await?
            .0)
    }

    async fn add_address(&self, customer_id: &str, street: &str) -> Step<String> {
        let (_, resp) = self
            .send(self.hcp.api.add_address(customer_id, street))
            .await?;
        api::created_id(&resp).ok_or_else(|| {
            Outcome::from_response(Verdict::Retry { after: None }, &resp)
                .with_error("Housecall Pro's address answer has no `id`")
        })
    }

    /// The caller's customer: by email, else by each form of the number,
    /// else a new one (with the service address, when there is one).
    async fn find_or_create(&self, plan: &Plan) -> Step<Customer> {
        let c = &plan.customer;
        let mut terms: Vec<&str> = c.email.iter().map(String::as_str).collect();
        terms.extend(c.phone.iter().flat_map(|p| p.forms()));
        for term in terms {
            let (_, resp) = self.send(self.hcp.api.search(term)).await?;
            if let Some(found) = api::customers(&resp).into_iter().find(|x| same(x, c)) {
                return Ok(found);
            }
        }
        let r = self.hcp.api.create_customer(c, plan.address.as_deref());
        let (_, resp) = self.send(r).await?;
        api::created_customer(&resp).ok_or_else(|| {
            Outcome::from_response(Verdict::Retry { after: None }, &resp)
                .with_error("Housecall Pro's customer answer has no `id`")
        })
    }

    /// Sends; a success is `Ok` with its answer.
    async fn send(&self, r: Result<OutboundRequest, MappingError>) -> Step<(Outcome, Response)> {
        vendor::send_step(self.http, r, |resp| self.hcp.judge(resp)).await
    }
}

/// Whether a search result is the caller (`q` also matches names and
/// partial numbers, so the key itself is compared).
fn same(found: &Customer, c: &Caller) -> bool {
    let by_email = c.email.as_deref().is_some_and(|e| {
        found
            .email
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case(e))
    });
    let by_phone = c
        .phone
        .as_ref()
        .is_some_and(|p| found.mobile.as_deref().is_some_and(|m| p.matches(m, None)));
    by_email || by_phone
}
