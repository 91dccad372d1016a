/** Why a request was refused. */
export type VerificationFailure =
  /** A required header (`webhook-id`, `webhook-timestamp`, `webhook-signature`) is absent. */
  | "missing_header"
  /** A header is present but malformed (a timestamp that is not a number, no `v1,` entry). */
  | "invalid_header"
  /** No signature matches any of the secrets: wrong secret or a changed body. */
  | "bad_signature"
  /** `webhook-timestamp` is more than the tolerance in the past: a replay or a stuck queue. */
  | "timestamp_too_old"
  /** `webhook-timestamp` is more than the tolerance in the future: a clock problem. */
  | "timestamp_too_new"
  /** The signature is good but the body is not a JSON event envelope. */
  | "invalid_payload";

/**
 * Thrown by `Webhook.verify` when a request must not be trusted (`reason`
 * says why) or, with reason `invalid_payload`, when a correctly signed body is
 * not an event. `handler` answers 401 for the first kind and 400 for the second.
 */
export class WebhookVerificationError extends Error {
  readonly reason: VerificationFailure;

  constructor(reason: VerificationFailure, message: string) {
    super(message);
    this.name = "WebhookVerificationError";
    this.reason = reason;
  }
}
