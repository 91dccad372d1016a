//! One attempt against Zendesk. A ticket must happen once per delivery for
//! the whole retry window (24 h) and across replays, while Zendesk honours
//! an `Idempotency-Key` for about 2 hours only. So any attempt after the
//! first (retries, and replays, which keep counting attempts) first lists
//! the tickets carrying this delivery's `external_id` and succeeds without
//! creating when one exists; the key still covers the quick retries.

use http::{HeaderValue, Method};
use switchboard_core::{
    connector::{vendor, DeliveryRequest, MappingError, Outcome, Verdict},
    outbound::{OutboundClient, OutboundRequest, Response},
};

use crate::{classify, mapping::Plan, Zendesk};

/// What the `external_id` lookup found.
enum Lookup {
    /// A ticket exists: the delivery is done (this outcome records it).
    Found(Outcome),
    /// No ticket yet: create it.
    Missing,
    /// The lookup itself failed: this outcome (retry, or a permanent 401).
    Failed(Outcome),
}

impl Zendesk {
    /// Look up (after the first attempt), create or update the caller's
    /// user (phone only), create the ticket.
    pub(crate) async fn attempt(
        &self,
        req: &DeliveryRequest<'_>,
        http: &OutboundClient,
    ) -> Outcome {
        let plan = match self.plan(req) {
            Ok(p) => p,
            Err(e) => return Outcome::rejected(format!("mapping failed: {e}")),
        };
        if req.attempt > 1 {
            match self.find(&plan, http).await {
                Lookup::Missing => {}
                Lookup::Found(o) | Lookup::Failed(o) => return o,
            }
        }
        let requester_id = match self.requester_id(&plan, http).await {
            Ok(id) => id,
            Err(outcome) => return outcome,
        };
        let create = match self.ticket_request(&plan, requester_id, req.delivery_id) {
            Ok(r) => r,
            Err(e) => return Outcome::rejected(format!("mapping failed: {e}")),
        };
        match http.send(&create).await {
            Err(e) => Outcome::from_send_error(&e),
            Ok(resp) if classify::is_idempotency_mismatch(&resp) => {
                self.after_mismatch(&plan, &resp, http).await
            }
            Ok(resp) => classify::judge(&resp),
        }
    }

    /// 400 `IdempotentRequestError`: a ticket may exist. Found: done.
    /// Not found, or the lookup failed: retried (never `failed`), with the
    /// reason recorded.
    async fn after_mismatch(&self, plan: &Plan, resp: &Response, http: &OutboundClient) -> Outcome {
        match self.find(plan, http).await {
            Lookup::Found(o) => o,
            Lookup::Failed(o) if o.verdict == Verdict::Reject => Outcome {
                verdict: Verdict::Retry { after: None },
                ..o
            },
            Lookup::Failed(o) => o,
            Lookup::Missing => Outcome::from_response(Verdict::Retry { after: None }, resp)
                .with_error(format!(
                    "{}; no ticket has external_id {} yet, so it is retried",
                    classify::message(resp),
                    plan.external_id
                )),
        }
    }

    /// `GET /api/v2/tickets?external_id=<this delivery's marker>`.
    async fn find(&self, plan: &Plan, http: &OutboundClient) -> Lookup {
        let resp = match self.lookup_request(&plan.external_id) {
            Ok(r) => http.send(&r).await,
            Err(e) => return Lookup::Failed(Outcome::rejected(format!("mapping failed: {e}"))),
        };
        let resp = match resp {
            Ok(r) => r,
            Err(e) => return Lookup::Failed(Outcome::from_send_error(&e)),
        };
        if !resp.status.is_success() {
            return Lookup::Failed(classify::judge(&resp));
        }
        match classify::lists_a_ticket(&resp) {
            Some(true) => Lookup::Found(Outcome::from_response(Verdict::Delivered, &resp)),
            Some(false) => Lookup::Missing,
            None => Lookup::Failed(
                Outcome::from_response(Verdict::Retry { after: None }, &resp)
                    .with_error("Zendesk's ticket list answer has no `tickets` list"),
            ),
        }
    }

    /// The caller's user id, for a phone-only caller. A 422 (Zendesk will
    /// not take the number) leaves the agent as requester rather than lose
    /// the ticket; other failures end the attempt with their outcome.
    async fn requester_id(
        &self,
        plan: &Plan,
        http: &OutboundClient,
    ) -> Result<Option<u64>, Outcome> {
        let req = match self.user_request(plan) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(None),
            Err(e) => return Err(Outcome::rejected(format!("mapping failed: {e}"))),
        };
        let resp = http
            .send(&req)
            .await
            .map_err(|e| Outcome::from_send_error(&e))?;
        if resp.status == http::StatusCode::UNPROCESSABLE_ENTITY {
            return Ok(None);
        }
        if !resp.status.is_success() {
            let o = classify::judge(&resp);
            let error = format!(
                "creating the caller's user: {}",
                o.error.clone().unwrap_or_default()
            );
            return Err(o.with_error(error));
        }
        classify::user_id(&resp).map(Some).ok_or_else(|| {
            Outcome::from_response(Verdict::Retry { after: None }, &resp)
                .with_error("Zendesk's users/create_or_update answer has no `user.id`")
        })
    }

    /// `POST /api/v2/tickets` with the delivery id as `Idempotency-Key`.
    pub(crate) fn ticket_request(
        &self,
        plan: &Plan,
        requester_id: Option<u64>,
        delivery_id: &str,
    ) -> Result<OutboundRequest, MappingError> {
        let mut r = vendor::json_post(self.tickets.clone(), &plan.ticket_body(requester_id));
        self.authorize(&mut r)?;
        let key = HeaderValue::from_str(delivery_id)
            .map_err(|_| MappingError("delivery id is not a header value".into()))?;
        r.headers.insert("idempotency-key", key);
        Ok(r)
    }

    /// `POST /api/v2/users/create_or_update`, for a phone caller.
    pub(crate) fn user_request(
        &self,
        plan: &Plan,
    ) -> Result<Option<OutboundRequest>, MappingError> {
        let Some(body) = plan.user_body() else {
            return Ok(None);
        };
        let mut r = vendor::json_post(self.users.clone(), &body);
        self.authorize(&mut r)?;
        Ok(Some(r))
    }

    /// `GET /api/v2/tickets?external_id=...`.
    pub(crate) fn lookup_request(
        &self,
        external_id: &str,
    ) -> Result<OutboundRequest, MappingError> {
        let mut url = self.tickets.clone();
        url.query_pairs_mut()
            .append_pair("external_id", external_id);
        let mut r = OutboundRequest {
            method: Method::GET,
            url,
            headers: Default::default(),
            body: Default::default(),
            body_secrets: Vec::new(),
        };
        self.authorize(&mut r)?;
        Ok(r)
    }

    fn authorize(&self, r: &mut OutboundRequest) -> Result<(), MappingError> {
        vendor::secret_header(r, http::header::AUTHORIZATION, &self.auth)
    }
}
