#!/usr/bin/env python3
"""A function endpoint for Switchboard, Python standard library only.

Serves the two example functions of examples/functions/switchboard.toml:
check_technician_availability and lookup_customer_by_phone. Every request is
verified with the Standard Webhooks scheme (HMAC-SHA256 over
"{webhook-id}.{webhook-timestamp}.{body}", 5-minute timestamp tolerance) before
anything else happens; a request that fails the check gets 401.

    FUNCTION_SECRET=whsec_... python3 examples/functions/receiver.py --port 9100

The answer body is the function's result: Switchboard returns it to the agent
as {"result": ...} after checking it against the function's result schema.
Answer quickly: the caller is waiting on the phone and the hub gives up after
the function's timeout (3 s by default).
"""

import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, headers, body: bytes) -> bool:
    """Standard Webhooks v1. The plain X-OnCallClerk-Signature (hex HMAC of the
    body) also works but carries no timestamp, so it cannot stop a replay."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures and secret.startswith("whsec_")):
        return False
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - ts) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret[len("whsec_"):])
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # Several space-separated entries during a secret rotation.
    return any(
        hmac.compare_digest(entry.split(",", 1)[1], expected)
        for entry in signatures.split(" ")
        if entry.startswith("v1,")
    )


# Stand-ins for the business's scheduling system and CRM.
TECHNICIANS = {
    "plumbing": ["Maria", "Dev"],
    "heating": ["Sam"],
    "electrical": ["Priya"],
    "drain_cleaning": ["Dev"],
}
CUSTOMERS = {
    "+15125550142": {
        "id": "cus_1042",
        "name": "Jordan Alvarez",
        "email": "jordan.alvarez@example.com",
        "service_address": "1208 Maple Ave, Austin, TX 78704",
        "plan": "gold",
        "open_jobs": [
            {
                "id": "job_5531",
                "status": "scheduled",
                "scheduled_for": "2026-03-04T09:00:00-06:00",
                "summary": "Annual water heater flush",
            }
        ],
        "last_visit": "2025-11-18",
    }
}


def check_technician_availability(args):
    day = dt.date.fromisoformat(args["date"])
    techs = TECHNICIANS.get(args["service_type"], [])
    emergency = args.get("urgency") == "emergency"
    if day.weekday() == 6 and not emergency:
        # Closed on Sundays: offer Monday instead.
        return {
            "date": day.isoformat(),
            "available": False,
            "slots": [],
            "next_available_date": (day + dt.timedelta(days=1)).isoformat(),
        }
    minutes = int(args.get("duration_minutes", 60))
    slots = []
    for i, start_hour in enumerate([8, 10, 13, 15]):
        end = dt.datetime(2000, 1, 1, start_hour) + dt.timedelta(minutes=minutes)
        slots.append(
            {
                "start": f"{start_hour:02d}:00",
                "end": end.strftime("%H:%M"),
                "technician": techs[i % len(techs)] if techs else "on-call",
            }
        )
    return {
        "date": day.isoformat(),
        "available": bool(slots),
        "timezone": "America/Chicago",
        "slots": slots,
        "next_available_date": None,
    }


def lookup_customer_by_phone(args):
    customer = CUSTOMERS.get(args["phone"])
    return {"found": True, "customer": customer} if customer else {"found": False}


FUNCTIONS = {
    "check_technician_availability": check_technician_availability,
    "lookup_customer_by_phone": lookup_customer_by_phone,
}


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections open, so the hub's pool reuses them.
    protocol_version = "HTTP/1.1"
    secret = ""
    seen_ids = set()

    def answer(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not verify(self.secret, self.headers, body):
            return self.answer(401, {"error": "bad signature"})
        # The hub resends once, with the same webhook-id, only when it could not
        # connect; a function with side effects can use the id to skip repeats.
        self.seen_ids.add(self.headers["webhook-id"])
        call = json.loads(body)
        fn = FUNCTIONS.get(call["function"])
        if fn is None:
            return self.answer(404, {"error": f"unknown function {call['function']}"})
        self.answer(200, fn(call["arguments"]))

    def log_message(self, fmt, *args):
        sys.stderr.write("receiver: " + fmt % args + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9100)
    opts = parser.parse_args()
    Handler.secret = os.environ.get("FUNCTION_SECRET", "")
    if not Handler.secret.startswith("whsec_"):
        sys.exit("set FUNCTION_SECRET to the whsec_... secret of the functions")
    server = ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    print(f"function endpoint on http://127.0.0.1:{opts.port}/", file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
