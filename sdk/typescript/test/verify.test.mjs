// Webhook.verify: the known-answer vector, rotation, tolerance, tampering,
// and the official `standardwebhooks` package as an independent signer and
// verifier. Runs on the built package (`npm run build` first).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { Webhook as Official } from "standardwebhooks";
import { Webhook, WebhookVerificationError } from "../dist/index.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER = "whsec_" + Buffer.alloc(32, 7).toString("base64");
const VECTOR = {
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  ts: 1614265330,
  body: '{"test": 2432232314}',
  sig: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const fixturesDir = new URL("../../../core/fixtures/", import.meta.url);
const fixtures = readdirSync(fixturesDir)
  .sort()
  .map((f) => readFileSync(new URL(f, fixturesDir), "utf8"));

const plain = (secret, body) => createHmac("sha256", secret).update(body).digest("hex");
const at = (ts) => ({ now: () => ts });
const rejects = (promise, reason) =>
  assert.rejects(promise, (e) => e instanceof WebhookVerificationError && e.reason === reason);

/** Headers as the hub sends them, signed by the official library. */
function hubHeaders(body, { secrets = [SECRET], id = "evt_1", ts = Math.floor(Date.now() / 1000) } = {}) {
  return {
    "Content-Type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": secrets.map((s) => new Official(s).sign(id, new Date(ts * 1000), body)).join(" "),
    "X-OnCallClerk-Signature": secrets.map((s) => plain(s, body)).join(","),
  };
}

test("the known-answer vector of the Standard Webhooks spec", async () => {
  const wh = new Webhook(SECRET, at(VECTOR.ts));
  const headers = { "webhook-id": VECTOR.id, "webhook-timestamp": String(VECTOR.ts), "webhook-signature": VECTOR.sig };
  // The vector's body is not an event envelope: the signature passes, the parse does not.
  await rejects(wh.verify(VECTOR.body, headers), "invalid_payload");
  const signed = await wh.sign(VECTOR.id, VECTOR.ts, VECTOR.body);
  assert.equal(signed["webhook-signature"], VECTOR.sig);
  assert.equal(signed["x-oncallclerk-signature"], plain(SECRET, VECTOR.body));
  await rejects(wh.verify(VECTOR.body, { ...headers, "webhook-signature": VECTOR.sig.replace("g0h", "g1h") }), "bad_signature");
});

test("every sample event verifies and keeps its fields", async () => {
  const wh = new Webhook(SECRET);
  for (const body of fixtures) {
    const ev = await wh.verify(body, hubHeaders(body, { id: JSON.parse(body).id }));
    assert.deepEqual(ev, JSON.parse(body));
    // Bytes and a fetch Headers work the same.
    const again = await wh.verify(new TextEncoder().encode(body), new Headers(hubHeaders(body)));
    assert.equal(again.type, JSON.parse(body).type);
  }
});

test("the official library verifies what sign() produces", async () => {
  const body = fixtures[0];
  const ts = Math.floor(Date.now() / 1000);
  const headers = await new Webhook(SECRET).sign("evt_x", ts, body);
  assert.deepEqual(new Official(SECRET).verify(body, headers), JSON.parse(body));
});

test("rotation: any active secret, any entry, both headers", async () => {
  const body = fixtures[1];
  const both = hubHeaders(body, { secrets: [OTHER, SECRET] });
  assert.equal(both["webhook-signature"].split(" ").length, 2);
  assert.equal(both["X-OnCallClerk-Signature"].split(",").length, 2);
  await new Webhook(SECRET).verify(body, both);
  await new Webhook(OTHER).verify(body, both);
  await new Webhook([OTHER, SECRET]).verify(body, hubHeaders(body));
  const third = "whsec_" + Buffer.alloc(24, 9).toString("base64");
  await rejects(new Webhook(third).verify(body, both), "bad_signature");
});

test("tolerance: five minutes either way", async () => {
  const body = fixtures[2];
  const ts = 1_715_200_000;
  const headers = hubHeaders(body, { ts });
  await new Webhook(SECRET, at(ts + 300)).verify(body, headers);
  await new Webhook(SECRET, at(ts - 300)).verify(body, headers);
  await rejects(new Webhook(SECRET, at(ts + 301)).verify(body, headers), "timestamp_too_old");
  await rejects(new Webhook(SECRET, at(ts - 301)).verify(body, headers), "timestamp_too_new");
  await new Webhook(SECRET, { ...at(ts + 3600), toleranceSeconds: 7200 }).verify(body, headers);
  await rejects(new Webhook(SECRET).verify(body, { ...headers, "webhook-timestamp": "soon" }), "invalid_header");
});

test("tampering: body, id, timestamp, signature", async () => {
  const body = fixtures[3];
  const headers = hubHeaders(body);
  const wh = new Webhook(SECRET);
  await rejects(wh.verify(body.replace("agent_main", "agent_evil"), headers), "bad_signature");
  await rejects(wh.verify(body + " ", headers), "bad_signature");
  await rejects(wh.verify(body, { ...headers, "webhook-id": "evt_2" }), "bad_signature");
  const ts = Number(headers["webhook-timestamp"]) - 1;
  await rejects(wh.verify(body, { ...headers, "webhook-timestamp": String(ts) }), "bad_signature");
  // A good Standard Webhooks signature does not excuse a wrong plain one.
  await rejects(wh.verify(body, { ...headers, "X-OnCallClerk-Signature": plain(OTHER, body) }), "bad_signature");
  await rejects(wh.verify(body, { ...headers, "webhook-signature": "v2,abc" }), "invalid_header");
});

test("missing headers, and the plain-only mode", async () => {
  const body = fixtures[4];
  const { "webhook-signature": _, ...noSig } = hubHeaders(body);
  await rejects(new Webhook(SECRET).verify(body, noSig), "missing_header");
  await rejects(new Webhook(SECRET).verify(body, {}), "missing_header");
  const plainOnly = { "x-oncallclerk-signature": plain(SECRET, body) };
  await rejects(new Webhook(SECRET).verify(body, plainOnly), "missing_header");
  const ev = await new Webhook(SECRET, { allowPlainOnly: true }).verify(body, plainOnly);
  assert.equal(ev.type, "transfer.requested");
  await rejects(
    new Webhook(SECRET, { allowPlainOnly: true }).verify(body, { "x-oncallclerk-signature": plain(OTHER, body) }),
    "bad_signature",
  );
});

test("a correctly signed body that is not an event", async () => {
  for (const body of ["not json", "[1]", '{"type":"lead.captured"}', '{"id":"e","type":7,"data":{}}']) {
    await rejects(new Webhook(SECRET).verify(body, hubHeaders(body)), "invalid_payload");
  }
});

test("secrets must be whsec_<base64>", () => {
  assert.throws(() => new Webhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), TypeError);
  assert.throws(() => new Webhook("whsec_not base64!"), TypeError);
  assert.throws(() => new Webhook([]), TypeError);
});
