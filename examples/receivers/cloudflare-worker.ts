// Cloudflare Worker on switchboard-webhooks: `wrangler secret put WEBHOOK_SECRET`, then `wrangler deploy`.
import { Webhook } from "switchboard-webhooks";
export default {
  fetch: (request: Request, env: { WEBHOOK_SECRET: string }) =>
    new Webhook(env.WEBHOOK_SECRET).handler({ "lead.captured": async (e) => console.log("lead", e.data.lead.name) })(request),
};
