// Next.js route handler on switchboard-webhooks: save as app/api/hook/route.ts; set WEBHOOK_SECRET.
import { Webhook } from "switchboard-webhooks";
const wh = new Webhook(process.env.WEBHOOK_SECRET!);
export const POST = wh.handler({ "lead.captured": async (e) => console.log("lead", e.data.lead.name) });
