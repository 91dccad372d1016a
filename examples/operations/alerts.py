#!/usr/bin/env python3
"""The operator's receiver of Switchboard's operational events, typed by the SDK.

    pip install -e sdk/python
    WEBHOOK_SECRET=whsec_... python3 examples/operations/alerts.py 9200

Verifies both signatures (switchboard_webhooks.Webhook), then prints one line
per alert: what happened to which target, why, and where to look. A real
receiver would page someone on `switchboard.endpoint.disabled` and post the
rest to a chat channel.
"""
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from switchboard_webhooks import Webhook, WebhookVerificationError
from switchboard_webhooks.events import (
    SwitchboardDeliveryExhausted,
    SwitchboardEndpointDisabled,
)

HOOK = Webhook(os.environ["WEBHOOK_SECRET"])


def describe(event) -> str:
    data = event.data
    target = data.target.name or data.target.id
    line = f"{event.type}: {data.target.kind} {target} ({data.account})"
    if isinstance(event, SwitchboardEndpointDisabled):
        line += f" [{data.reason.code}] {data.reason.message}"
    if isinstance(event, SwitchboardDeliveryExhausted):
        line += f", {data.count} deliveries failed after their retries"
    if data.last_error:
        line += f"; last error: {data.last_error}"
    if data.dashboard_url:
        line += f"; see {data.dashboard_url}"
    return line


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            event = HOOK.verify(body, {k.lower(): v for k, v in self.headers.items()})
        except WebhookVerificationError:
            self.send_response(401)
            self.end_headers()
            return
        print(describe(event), flush=True)
        self.send_response(204)
        self.end_headers()


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9200
    print(f"listening on http://127.0.0.1:{port}/ops", flush=True)
    HTTPServer(("127.0.0.1", port), Handler).serve_forever()
