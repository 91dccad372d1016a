#!/usr/bin/env python3
"""A webhook receiver that verifies Switchboard's signatures (Python 3 standard library).

    WEBHOOK_SECRET=whsec_... python3 examples/receivers/receiver.py 9000

Checks the Standard Webhooks signature (with a 5-minute timestamp tolerance, so
a captured request cannot be replayed later) and the plain X-OnCallClerk-Signature.
With the official package installed (`pip install standardwebhooks`) you can
replace `standard_ok` by `Webhook(secret).verify(body, headers)`.
"""
import base64, hashlib, hmac, json, os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["WEBHOOK_SECRET"]
TOLERANCE = 300


def standard_ok(headers, body):
    msg_id, ts, sigs = headers.get("webhook-id"), headers.get("webhook-timestamp"), headers.get("webhook-signature", "")
    if not msg_id or not ts or abs(time.time() - int(ts)) > TOLERANCE:
        return False
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    want = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(s.split(",", 1)[-1], want) for s in sigs.split())


def plain_ok(headers, body):
    want = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(want, s.strip()) for s in headers.get("x-oncallclerk-signature", "").split(","))


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not (standard_ok(self.headers, body) and plain_ok(self.headers, body)):
            self.send_response(401); self.end_headers(); return
        event = json.loads(body)
        print(event["type"], event["id"], "delivery", self.headers.get("x-oncallclerk-delivery"), flush=True)
        self.send_response(204); self.end_headers()


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    print(f"listening on http://127.0.0.1:{port}/hook", flush=True)
    HTTPServer(("127.0.0.1", port), Handler).serve_forever()
