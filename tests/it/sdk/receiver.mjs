// The Node receiver of tests/it/sdk.rs, built on the installed
// switchboard-webhooks package: one handler per event type, each appending
// "<handler key> <event.type> <event.id> <data.call_id>" to the log.
//   node receiver.mjs <secret> <log file>
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { EVENT_TYPES, Webhook } from "switchboard-webhooks";
import { expressHandler } from "switchboard-webhooks/express";

const [secret, log] = process.argv.slice(2);
const record = (key) => (e) => appendFileSync(log, `${key} ${e.type} ${e.id} ${e.data.call_id}\n`);
const handlers = Object.fromEntries(EVENT_TYPES.map((t) => [t, record(t)]));
handlers["*"] = record("*");
const server = createServer(expressHandler(new Webhook(secret).handler(handlers)));
server.listen(0, "127.0.0.1", () => {
  const from = fileURLToPath(import.meta.resolve("switchboard-webhooks"));
  console.log(`listening ${server.address().port} ${from}`);
});
