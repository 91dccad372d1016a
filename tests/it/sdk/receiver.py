"""The Python receiver of tests/it/sdk.rs, built on the installed
switchboard_webhooks wheel: appends "<class> <type> <id> <data.call_id>" per
verified event to the log, answers WebhookVerificationError.status otherwise.

    python receiver.py <secret> <log file>
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import switchboard_webhooks
from switchboard_webhooks import Webhook, WebhookVerificationError

secret, log = sys.argv[1], sys.argv[2]
wh = Webhook(secret)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            event = wh.verify(body, self.headers)
        except WebhookVerificationError as e:
            self.send_response(e.status)
            self.end_headers()
            self.wfile.write(str(e).encode())
            return
        with open(log, "a") as f:
            f.write(f"{type(event).__name__} {event.type} {event.id} {event.data.call_id}\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("listening", server.server_address[1], switchboard_webhooks.__file__, flush=True)
server.serve_forever()
