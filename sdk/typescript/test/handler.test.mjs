// handler(): the fetch-style endpoint, and the Express / node:http adapter.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { Webhook } from "../dist/index.js";
import { expressHandler, RAW_BODY_MESSAGE } from "../dist/express.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const lead = readFileSync(new URL("../../../core/fixtures/lead.captured.json", import.meta.url), "utf8");
const call = readFileSync(new URL("../../../core/fixtures/call.started.json", import.meta.url), "utf8");
const wh = new Webhook(SECRET);
const now = () => Math.floor(Date.now() / 1000);

async function request(body, headers) {
  return new Request("http://receiver.test/hook", {
    method: "POST",
    headers: headers ?? (await wh.sign("evt_1", now(), body)),
    body,
  });
}

test("dispatches on type: 204, the catch-all, no handler", async () => {
  const seen = [];
  const h = wh.handler({
    "lead.captured": async (e) => seen.push(["lead", e.data.lead.name]),
    "*": (e) => seen.push(["other", e.type]),
  });
  assert.equal((await h(await request(lead))).status, 204);
  assert.equal((await h(await request(call))).status, 204);
  assert.deepEqual(seen, [["lead", "Jordan Reyes"], ["other", "call.started"]]);
  const only = wh.handler({});
  assert.equal((await only(await request(lead))).status, 204);
});

test("401 on a bad signature, 400 on a body that is not an event, 500 on a throw", async () => {
  const h = wh.handler({
    "lead.captured": () => {
      throw new Error("CRM down");
    },
  });
  const tampered = await request(lead.replace("Jordan", "Mallory"), await wh.sign("evt_1", now(), lead));
  const r401 = await h(tampered);
  assert.equal(r401.status, 401);
  assert.match(await r401.text(), /bad_signature/);
  const old = await request(lead, await wh.sign("evt_1", now() - 600, lead));
  assert.equal((await h(old)).status, 401);
  assert.equal((await h(await request("{oops"))).status, 400);
  const errors = [];
  const orig = console.error;
  console.error = (...a) => errors.push(a);
  try {
    assert.equal((await h(await request(lead))).status, 500);
  } finally {
    console.error = orig;
  }
  assert.equal(errors.length, 1);
  assert.equal((await h(new Request("http://receiver.test/hook"))).status, 405);
});

async function serve(handler, fn) {
  const server = createServer(handler);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}/hook`);
  } finally {
    server.close();
  }
}

test("the node:http / Express adapter reads the raw body itself", async () => {
  const seen = [];
  const h = expressHandler(wh.handler({ "lead.captured": (e) => seen.push(e.id) }));
  await serve(h, async (url) => {
    const ok = await fetch(url, { method: "POST", headers: await wh.sign("evt_1", now(), lead), body: lead });
    assert.equal(ok.status, 204);
    const bad = await fetch(url, { method: "POST", headers: await wh.sign("evt_1", now(), call), body: lead });
    assert.equal(bad.status, 401);
  });
  assert.deepEqual(seen, [JSON.parse(lead).id]);
});

test("the adapter takes express.raw()'s Buffer and refuses parsed JSON, saying why", async () => {
  const seen = [];
  const h = expressHandler(wh.handler({ "lead.captured": (e) => seen.push(e.id) }));
  const res = () => {
    const r = { statusCode: 0, headers: {}, body: undefined };
    r.setHeader = (k, v) => (r.headers[k] = v);
    r.end = (b) => (r.body = b === undefined ? "" : Buffer.from(b).toString());
    return r;
  };
  const headers = await wh.sign("evt_1", now(), lead);
  const raw = { method: "POST", url: "/hook", headers, body: Buffer.from(lead), async *[Symbol.asyncIterator]() {} };
  const r1 = res();
  await h(raw, r1);
  assert.equal(r1.statusCode, 204);
  const parsed = { ...raw, body: JSON.parse(lead) };
  const r2 = res();
  const orig = console.error;
  console.error = () => {};
  try {
    await h(parsed, r2);
  } finally {
    console.error = orig;
  }
  assert.equal(r2.statusCode, 500);
  assert.equal(r2.body, RAW_BODY_MESSAGE + "\n");
  assert.match(RAW_BODY_MESSAGE, /express\.raw/);
  assert.equal(seen.length, 1);
});
