// `Webhook`: verifies both signatures of a Switchboard request and returns
// the typed event; `handler` turns that into a fetch-style endpoint.

import {
  concat,
  constantTimeEqual,
  fromBase64,
  hmacSha256,
  toBase64,
  toHex,
  utf8,
} from "./crypto.js";
import { WebhookVerificationError } from "./errors.js";
import type { Event, EventType } from "./events.js";

/** Request headers: a fetch `Headers`, or a plain object (any key case; Node's arrays allowed). */
export type HeadersLike =
  | Headers
  | Record<string, string | readonly string[] | undefined>;

export interface WebhookOptions {
  /** How far `webhook-timestamp` may be from now, in seconds (default 300). */
  toleranceSeconds?: number;
  /**
   * Accept a request that carries only `X-OnCallClerk-Signature` (no
   * Standard Webhooks headers). Off by default: the plain signature has no
   * timestamp, so a captured request could be replayed.
   */
  allowPlainOnly?: boolean;
  /** The clock, in Unix seconds (tests). */
  now?: () => number;
}

/** The event of one type. */
export type EventOf<T extends EventType> = Extract<Event, { type: T }>;

/** What `handler` dispatches to: one function per event type, `"*"` for the rest. */
export type Handlers = {
  [T in EventType]?: (event: EventOf<T>, request: Request) => unknown;
} & {
  /** Any event without its own entry, including types newer than this SDK. */
  "*"?: (event: Event, request: Request) => unknown;
};

const DEFAULT_TOLERANCE = 300;

interface Key {
  /** The whole `whsec_...` string: the key of the plain signature. */
  plain: Uint8Array;
  /** The base64-decoded part: the key of the Standard Webhooks signature. */
  standard: Uint8Array;
}

function parseSecret(secret: string): Key {
  const b64 = typeof secret === "string" && secret.startsWith("whsec_") ? secret.slice(6) : undefined;
  const decoded = b64 === undefined ? undefined : fromBase64(b64);
  if (!decoded || decoded.length === 0) {
    throw new TypeError("switchboard-webhooks: a secret looks like whsec_<base64>");
  }
  return { plain: utf8(secret), standard: decoded };
}

function header(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") {
    return (headers as Headers).get(name) ?? undefined;
  }
  for (const [k, v] of Object.entries(headers as Record<string, unknown>)) {
    if (k.toLowerCase() !== name) continue;
    if (Array.isArray(v)) return v.join(", ");
    if (typeof v === "string") return v;
  }
  return undefined;
}

/** Verifies Switchboard webhooks signed with one secret, or several during a rotation. */
export class Webhook {
  readonly #keys: Key[];
  readonly #tolerance: number;
  readonly #allowPlainOnly: boolean;
  readonly #now: () => number;

  /** `secret` is the connector's `whsec_...`; pass every active one during a rotation. */
  constructor(secret: string | readonly string[], options: WebhookOptions = {}) {
    const secrets = typeof secret === "string" ? [secret] : [...secret];
    if (secrets.length === 0) throw new TypeError("switchboard-webhooks: no secret given");
    this.#keys = secrets.map(parseSecret);
    this.#tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE;
    this.#allowPlainOnly = options.allowPlainOnly ?? false;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  /**
   * Checks the request's signatures and returns its event. The Standard
   * Webhooks signature (`webhook-signature`, within the timestamp tolerance)
   * is required unless `allowPlainOnly`; `X-OnCallClerk-Signature`, when
   * present, must match too. Throws `WebhookVerificationError`.
   */
  async verify(rawBody: string | Uint8Array, headers: HeadersLike): Promise<Event> {
    const body = typeof rawBody === "string" ? utf8(rawBody) : rawBody;
    if (!(body instanceof Uint8Array)) {
      throw new WebhookVerificationError(
        "invalid_payload",
        "the body must be the raw request body (string or bytes), not parsed JSON",
      );
    }
    const id = header(headers, "webhook-id");
    const timestamp = header(headers, "webhook-timestamp");
    const signature = header(headers, "webhook-signature");
    const plain = header(headers, "x-oncallclerk-signature");

    if (id === undefined || timestamp === undefined || signature === undefined) {
      if (!(this.#allowPlainOnly && plain !== undefined)) {
        const missing = [
          ["webhook-id", id],
          ["webhook-timestamp", timestamp],
          ["webhook-signature", signature],
        ]
          .filter(([, v]) => v === undefined)
          .map(([n]) => n);
        throw new WebhookVerificationError("missing_header", `missing header ${missing.join(", ")}`);
      }
    } else {
      await this.#checkStandard(id, timestamp, signature, body);
    }
    if (plain !== undefined) await this.#checkPlain(plain, body);
    return parseEvent(body);
  }

  async #checkStandard(id: string, timestamp: string, signature: string, body: Uint8Array) {
    if (!/^\d{1,15}$/.test(timestamp.trim())) {
      throw new WebhookVerificationError("invalid_header", "webhook-timestamp is not Unix seconds");
    }
    const ts = Number(timestamp.trim());
    const now = this.#now();
    if (now - ts > this.#tolerance) {
      throw new WebhookVerificationError(
        "timestamp_too_old",
        `webhook-timestamp is ${now - ts} s old (tolerance ${this.#tolerance} s)`,
      );
    }
    if (ts - now > this.#tolerance) {
      throw new WebhookVerificationError(
        "timestamp_too_new",
        `webhook-timestamp is ${ts - now} s in the future (tolerance ${this.#tolerance} s)`,
      );
    }
    const given = signature
      .split(" ")
      .filter((e) => e.startsWith("v1,"))
      .map((e) => e.slice(3));
    if (given.length === 0) {
      throw new WebhookVerificationError("invalid_header", "webhook-signature has no v1 entry");
    }
    const signed = concat(utf8(`${id}.${timestamp.trim()}.`), body);
    for (const key of this.#keys) {
      const want = toBase64(await hmacSha256(key.standard, signed));
      // Every entry is compared, so timing does not tell which one matched.
      let ok = false;
      for (const g of given) ok = constantTimeEqual(g, want) || ok;
      if (ok) return;
    }
    throw new WebhookVerificationError("bad_signature", "webhook-signature does not match any secret");
  }

  async #checkPlain(header: string, body: Uint8Array) {
    const given = header.split(",").map((g) => g.trim().toLowerCase());
    for (const key of this.#keys) {
      const want = toHex(await hmacSha256(key.plain, body));
      let ok = false;
      for (const g of given) ok = constantTimeEqual(g, want) || ok;
      if (ok) return;
    }
    throw new WebhookVerificationError(
      "bad_signature",
      "X-OnCallClerk-Signature does not match any secret",
    );
  }

  /**
   * Signs like the hub does, with the first (newest) secret: the headers of a
   * request carrying `body`. For tests of your own receiver.
   */
  async sign(
    id: string,
    timestamp: number,
    body: string | Uint8Array,
  ): Promise<Record<string, string>> {
    const bytes = typeof body === "string" ? utf8(body) : body;
    const std: string[] = [];
    const plain: string[] = [];
    for (const key of this.#keys) {
      std.push("v1," + toBase64(await hmacSha256(key.standard, concat(utf8(`${id}.${timestamp}.`), bytes))));
      plain.push(toHex(await hmacSha256(key.plain, bytes)));
    }
    return {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": std.join(" "),
      "x-oncallclerk-signature": plain.join(","),
    };
  }

  /**
   * A fetch-style endpoint `(request) => Promise<Response>` for Workers, Deno,
   * Bun, Next.js route handlers and anything else that speaks `Request`:
   * 204 once the event's handler returned (or when it has none), 401 on a bad
   * or missing signature, 400 on a body that is not an event, 405 on a method
   * other than POST, and 500 when the handler throws, so Switchboard retries.
   */
  handler(handlers: Handlers): (request: Request) => Promise<Response> {
    return async (request) => {
      if (request.method !== "POST") {
        return new Response("method not allowed\n", { status: 405, headers: { allow: "POST" } });
      }
      let event: Event;
      try {
        const body = new Uint8Array(await request.arrayBuffer());
        event = await this.verify(body, request.headers);
      } catch (e) {
        if (e instanceof WebhookVerificationError) {
          const status = e.reason === "invalid_payload" ? 400 : 401;
          return new Response(`${e.reason}: ${e.message}\n`, { status });
        }
        throw e;
      }
      const fn = (handlers[event.type] ?? handlers["*"]) as
        | ((event: Event, request: Request) => unknown)
        | undefined;
      try {
        if (fn) await fn(event, request);
      } catch (e) {
        console.error(`switchboard-webhooks: the ${event.type} handler of ${event.id} threw`, e);
        return new Response("handler failed\n", { status: 500 });
      }
      return new Response(null, { status: 204 });
    };
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The envelope of a (signature-checked) body; forward compatible with new types and fields. */
export function parseEvent(body: Uint8Array): Event {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(body));
  } catch (e) {
    throw new WebhookVerificationError("invalid_payload", `the body is not JSON: ${String(e)}`);
  }
  const v = value as Record<string, unknown> | null;
  if (
    typeof v !== "object" ||
    v === null ||
    Array.isArray(v) ||
    typeof v.type !== "string" ||
    typeof v.id !== "string" ||
    typeof v.data !== "object" ||
    v.data === null ||
    Array.isArray(v.data)
  ) {
    throw new WebhookVerificationError(
      "invalid_payload",
      "the body is not an event envelope ({id, type, created, data})",
    );
  }
  return v as unknown as Event;
}
