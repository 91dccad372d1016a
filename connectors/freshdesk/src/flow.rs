//! One attempt: after the first, look for the ticket an earlier attempt
//! made (the caller's tickets, by the marker in the description); create
//! the ticket if there is none; then the private note, unless an earlier
//! attempt added it. Freshdesk has no idempotency key.

use switchboard_core::{
    connector::{marker, vendor, MappingError, Outcome, Verdict},
    outbound::{OutboundClient, OutboundRequest, Response},
};

use crate::{
    api, classify,
    mapping::{Plan, Requester},
    Freshdesk,
};

/// A step's result; `Err` ends the attempt with that outcome.
type Step<T> = Result<T, Outcome>;

/// One attempt of one delivery.
pub struct Attempt<'a> {
    /// The connector.
    pub fd: &'a Freshdesk,
    /// The outbound client.
    pub http: &'a OutboundClient,
    /// The event's id (the marker).
    pub event_id: &'a str,
    /// 1-based attempt number (later attempts look for earlier writes).
    pub number: u32,
}

impl Attempt<'_> {
    /// Runs the plan; the outcome of the last request sent.
    pub async fn run(&self, plan: &Plan) -> Outcome {
        self.steps(plan).await.unwrap_or_else(|o| o)
    }

    async fn steps(&self, plan: &Plan) -> Step<Outcome> {
        let mark = marker::marker(self.event_id);
        let earlier = if self.number > 1 {
            self.find(plan, &mark).await?
        } else {
            None
        };
        let (ticket, mut last, existed) = match earlier {
            Some((id, outcome)) => (id, outcome, true),
            None => {
                let (outcome, resp) = self.send(self.fd.api.create_ticket(&plan.ticket)).await?;
                let id = api::id(&resp).ok_or_else(|| {
                    Outcome::from_response(Verdict::Retry { after: None }, &resp)
                        .with_error("Freshdesk's ticket answer has no `id`")
                })?;
                (id, outcome, false)
            }
        };
        if let Some(html) = &plan.note {
            if existed {
                let (outcome, resp) = self.send(self.fd.api.conversations(ticket)).await?;
                if api::has_note(&resp, &mark) {
                    return Ok(outcome);
                }
            }
            last = self.send(self.fd.api.create_note(ticket, html)).await?.0;
        }
        Ok(last)
    }

    /// The ticket an earlier attempt made, among the caller's tickets.
    async fn find(&self, plan: &Plan, mark: &str) -> Step<Option<(u64, Outcome)>> {
        let mut requester_id = None;
        if let Requester::Phone(p) = &plan.requester {
            let (_, resp) = self.send(self.fd.api.find_contact(p)).await?;
            requester_id = api::first_contact(&resp);
            if requester_id.is_none() {
                // No contact with the number: no ticket from them either.
                return Ok(None);
            }
        }
        let r = self.fd.api.list_tickets(&plan.requester, requester_id);
        let (outcome, resp) = self.send(r).await?;
        Ok(api::ticket_with(&resp, mark).map(|id| (id, outcome)))
    }

    /// Sends; a success is `Ok` with its answer.
    async fn send(&self, r: Result<OutboundRequest, MappingError>) -> Step<(Outcome, Response)> {
        vendor::send_step(self.http, r, classify::judge).await
    }
}
