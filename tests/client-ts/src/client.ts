// A client written only against the generated types of /openapi.json: it
// creates an endpoint, posts an event, waits for its delivery to the endpoint
// to succeed and reads an error answer, all type-checked by `tsc --noEmit`.
// Environment: SWITCHBOARD_URL, ADMIN_TOKEN, INGEST_TOKEN, TARGET_URL.
import createClient from "openapi-fetch";
import type { components, paths } from "../generated/api.js";

type DeliveryState = components["schemas"]["DeliveryState"];
type ErrorCode = components["schemas"]["ErrorCode"];

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const baseUrl = env("SWITCHBOARD_URL");
const admin = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${env("ADMIN_TOKEN")}` } });
const ingest = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${env("INGEST_TOKEN")}` } });

const created = await admin.POST("/v1/endpoints", {
  body: { url: `${env("TARGET_URL")}/hook`, events: ["lead.captured"], description: "client proof" },
});
if (!created.data) throw new Error(`create endpoint: ${JSON.stringify(created.error)}`);
const endpoint: string = created.data.id;

const posted = await ingest.POST("/v1/events", {
  body: {
    type: "lead.captured",
    data: {
      call_id: "call_client_proof",
      agent_id: "agent_main",
      lead: { name: "Jordan Reyes", phone: "+15551234567", intent: "estimate" },
    },
  },
});
if (!posted.data) throw new Error(`post event: ${JSON.stringify(posted.error)}`);
const eventId: string = posted.data.id;

let status: DeliveryState | undefined;
for (let i = 0; i < 100 && status !== "succeeded"; i++) {
  const page = await admin.GET("/v1/deliveries", {
    params: { query: { event_id: eventId, connector: endpoint, limit: 10 } },
  });
  if (!page.data) throw new Error(`list deliveries: ${JSON.stringify(page.error)}`);
  status = page.data.data[0]?.status;
  if (status !== "succeeded") await new Promise((r) => setTimeout(r, 100));
}

// Error answers are typed too: the code is one of the documented codes.
const refused = await admin.POST("/v1/endpoints", { body: { url: "ftp://example.com" } });
const code: ErrorCode | undefined = refused.error?.error.code;

console.log(JSON.stringify({ endpoint, event: eventId, status, refused: code, pointer: refused.error?.error.path }));
