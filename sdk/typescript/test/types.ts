// Compile-time checks of the generated types (run by `npm run typecheck`).
import { Webhook, type Event, type LeadCaptured } from "../src/index.js";

declare const e: Event;
if (e.type === "lead.captured") {
  const lead: LeadCaptured = e;
  const name: string | undefined = e.data.lead.name; // optional field
  const call: string = e.data.call_id; // required field
  const extra: unknown = e.data.lead["not_in_the_schema"]; // unknown fields are allowed
  void [lead, name, call, extra];
}
if (e.type === "booking.created") {
  const start: string = e.data.booking.start;
  // @ts-expect-error: `lead` is not a field of booking.created
  void e.data.lead.name;
  void start;
}

const wh = new Webhook(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]);
wh.handler({
  "call.completed": async (ev) => {
    const secs: number | undefined = ev.data.duration_seconds;
    // @ts-expect-error: the handler of call.completed gets a call.completed
    const vm: string = ev.data.duration_seconds;
    void vm;
    void secs;
  },
  "*": (ev) => void ev.type,
});
