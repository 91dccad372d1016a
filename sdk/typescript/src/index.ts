// switchboard-webhooks: verified, typed Switchboard webhooks.
//
// ```ts
// const wh = new Webhook(process.env.WEBHOOK_SECRET!);
// export default { fetch: wh.handler({ "lead.captured": (e) => console.log(e.data.lead.name) }) };
// ```

export { Webhook, parseEvent } from "./webhook.js";
export type { EventOf, Handlers, HeadersLike, WebhookOptions } from "./webhook.js";
export { WebhookVerificationError } from "./errors.js";
export type { VerificationFailure } from "./errors.js";
export * from "./events.js";
