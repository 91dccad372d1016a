// Express (and plain `node:http`) adapter: runs a fetch-style `handler` on a
// Node request, from the raw body.
//
// ```ts
// app.post("/hook", expressHandler(wh.handler({ "lead.captured": (e) => ... })));
// ```
//
// Signatures cover the exact bytes sent, so the adapter needs the raw body:
// it reads the request stream itself, or takes the Buffer of
// `express.raw({ type: "application/json" })`. After `express.json()` the
// bytes are gone, and it answers 500 and says so.

/** The parts of Node's `IncomingMessage` (and Express's `req`) the adapter reads. */
export interface NodeRequest extends AsyncIterable<unknown> {
  method?: string;
  url?: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
}

/** The parts of Node's `ServerResponse` (and Express's `res`) the adapter writes. */
export interface NodeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string | Uint8Array): unknown;
}

export const RAW_BODY_MESSAGE =
  "switchboard-webhooks: the request body was already parsed (express.json() or similar), so its " +
  "signature cannot be checked. Give this route the raw body: mount it before express.json(), " +
  'or use express.raw({ type: "application/json" }) on it.';

async function rawBody(req: NodeRequest): Promise<Uint8Array | undefined> {
  const b = req.body;
  if (b instanceof Uint8Array) return b;
  if (typeof b === "string") return new TextEncoder().encode(b);
  // Express sets `{}` when no parser matched; anything else was parsed.
  if (b !== undefined && !(typeof b === "object" && b !== null && Object.keys(b).length === 0)) {
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) {
    chunks.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : (chunk as Uint8Array));
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Adapts `wh.handler({...})` to `(req, res) => void` for Express, Connect,
 * Fastify's raw handlers and `http.createServer`.
 */
export function expressHandler(
  handler: (request: Request) => Promise<Response>,
): (req: NodeRequest, res: NodeResponse) => Promise<void> {
  return async (req, res) => {
    try {
      const body = await rawBody(req);
      if (body === undefined) {
        console.error(RAW_BODY_MESSAGE);
        res.statusCode = 500;
        res.setHeader("content-type", "text/plain; charset=utf-8");
        res.end(RAW_BODY_MESSAGE + "\n");
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string") headers.set(k, v);
        else if (Array.isArray(v)) for (const one of v) headers.append(k, one);
      }
      const method = req.method ?? "POST";
      const request = new Request(`http://localhost${req.url ?? "/"}`, {
        method,
        headers,
        body: method === "GET" || method === "HEAD" ? undefined : (body as BufferSource),
      });
      const response = await handler(request);
      res.statusCode = response.status;
      response.headers.forEach((v, k) => res.setHeader(k, v));
      res.end(new Uint8Array(await response.arrayBuffer()));
    } catch (e) {
      console.error("switchboard-webhooks: express adapter failed", e);
      res.statusCode = 500;
      res.end("internal error\n");
    }
  };
}
