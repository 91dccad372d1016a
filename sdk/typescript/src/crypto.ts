// HMAC-SHA256 over WebCrypto, base64 and hex, and a constant-time compare:
// the only primitives the two signature schemes need.

const encoder = new TextEncoder();

let subtlePromise: Promise<SubtleCrypto> | undefined;

/** `crypto.subtle` (global on Node 19+, Workers, Deno, Bun; `node:crypto` on Node 18). */
function subtle(): Promise<SubtleCrypto> {
  subtlePromise ??= (async () => {
    const c = (globalThis as { crypto?: Crypto }).crypto;
    if (c?.subtle) return c.subtle;
    // Node 18 without --experimental-global-webcrypto. The specifier is a
    // variable so bundlers for other runtimes leave it alone.
    const name = "node:crypto";
    const mod = (await import(/* @vite-ignore */ name)) as { webcrypto: Crypto };
    return mod.webcrypto.subtle;
  })();
  return subtlePromise;
}

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

export async function hmacSha256(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const s = await subtle();
  const k = await s.importKey("raw", key as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await s.sign("HMAC", k, message as BufferSource));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Standard base64 (with padding); `undefined` when `s` is not base64. */
export function fromBase64(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Equal strings, in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = utf8(a);
  const y = utf8(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i % (y.length || 1)] ?? 0);
  return diff === 0;
}
