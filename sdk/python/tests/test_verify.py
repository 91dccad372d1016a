"""Webhook.verify: the known-answer vector, rotation, tolerance, tampering, and
the official `standardwebhooks` package as an independent signer and verifier."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
from standardwebhooks.webhooks import Webhook as Official

from conftest import OTHER, SECRET, first, fixtures, hub_headers, plain
from switchboard_webhooks import (
    EVENT_CLASSES,
    CallCompleted,
    LeadCaptured,
    UnknownEvent,
    Webhook,
    WebhookVerificationError,
)

VECTOR_ID, VECTOR_TS = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def at(ts: int) -> Webhook:
    return Webhook(SECRET, now=lambda: ts)


def reason(wh: Webhook, body: bytes, headers: dict) -> str:
    with pytest.raises(WebhookVerificationError) as e:
        wh.verify(body, headers)
    return e.value.reason


def test_known_answer_vector() -> None:
    headers = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TS), "webhook-signature": VECTOR_SIG}
    # The signature passes; the vector's body is not an event envelope.
    assert reason(at(VECTOR_TS), VECTOR_BODY, headers) == "invalid_payload"
    assert at(VECTOR_TS).sign(VECTOR_ID, VECTOR_TS, VECTOR_BODY)["webhook-signature"] == VECTOR_SIG
    bad = {**headers, "webhook-signature": VECTOR_SIG.replace("g0h", "g1h")}
    assert reason(at(VECTOR_TS), VECTOR_BODY, bad) == "bad_signature"


def test_every_sample_parses_to_its_class() -> None:
    wh = Webhook(SECRET)
    for body in fixtures():
        posted = json.loads(body)
        ev = wh.verify(body, hub_headers(body, msg_id=posted["id"]))
        assert type(ev) is EVENT_CLASSES[posted["type"]]
        assert ev.type == posted["type"] and ev.id == posted["id"] and ev.raw == posted
        assert ev.extra == {}


def test_typed_fields() -> None:
    body = first("lead.captured")
    ev = Webhook(SECRET).verify(body, hub_headers(body))
    assert isinstance(ev, LeadCaptured)
    assert ev.data.lead.name == "Jordan Reyes"
    assert ev.data.lead.custom_fields == {"preferred_contact": "sms", "property_type": "residential"}
    body = first("call.completed")
    cc = Webhook(SECRET).verify(body, hub_headers(body))
    assert isinstance(cc, CallCompleted)
    assert cc.data.transcript is not None and cc.data.transcript[1].offset_ms == 4200
    assert cc.data.sentiment is not None and cc.data.sentiment.score == 0.82


def test_sparse_events_and_unknown_fields() -> None:
    body = json.dumps(
        {"id": "evt_s", "type": "lead.captured", "created": 1, "data": {"call_id": "c", "agent_id": "a", "lead": {}}, "x": 1}
    ).encode()
    ev = Webhook(SECRET).verify(body, hub_headers(body))
    assert isinstance(ev, LeadCaptured)
    assert ev.data.lead.name is None and ev.data.from_number is None
    assert ev.extra == {"x": 1}
    newer = json.dumps({"id": "evt_n", "type": "call.parked", "created": 2, "data": {"call_id": "c"}}).encode()
    unk = Webhook(SECRET).verify(newer, hub_headers(newer))
    assert isinstance(unk, UnknownEvent) and unk.type == "call.parked" and unk.data == {"call_id": "c"}


def test_official_library_verifies_sign() -> None:
    body = first("booking.created")
    headers = Webhook(SECRET).sign("evt_x", int(datetime.now(timezone.utc).timestamp()), body)
    assert Official(SECRET).verify(body, headers) == json.loads(body)


def test_rotation() -> None:
    body = first("call.started")
    both = hub_headers(body, secrets=[OTHER, SECRET])
    assert len(both["webhook-signature"].split(" ")) == 2
    assert len(both["X-OnCallClerk-Signature"].split(",")) == 2
    Webhook(SECRET).verify(body, both)
    Webhook(OTHER).verify(body, both)
    Webhook([OTHER, SECRET]).verify(body, hub_headers(body))
    third = "whsec_" + base64.b64encode(bytes([9]) * 24).decode()
    assert reason(Webhook(third), body, both) == "bad_signature"


def test_tolerance() -> None:
    body = first("voicemail.left")
    ts = 1_715_200_000
    headers = hub_headers(body, ts=ts)
    at(ts + 300).verify(body, headers)
    at(ts - 300).verify(body, headers)
    assert reason(at(ts + 301), body, headers) == "timestamp_too_old"
    assert reason(at(ts - 301), body, headers) == "timestamp_too_new"
    Webhook(SECRET, tolerance=7200, now=lambda: ts + 3600).verify(body, headers)
    assert reason(Webhook(SECRET), body, {**headers, "webhook-timestamp": "soon"}) == "invalid_header"


def test_tampering() -> None:
    body = first("transfer.requested")
    headers = hub_headers(body)
    wh = Webhook(SECRET)
    assert reason(wh, body.replace(b"agent_main", b"agent_evil"), headers) == "bad_signature"
    assert reason(wh, body + b" ", headers) == "bad_signature"
    assert reason(wh, body, {**headers, "webhook-id": "evt_2"}) == "bad_signature"
    older = str(int(headers["webhook-timestamp"]) - 1)
    assert reason(wh, body, {**headers, "webhook-timestamp": older}) == "bad_signature"
    assert reason(wh, body, {**headers, "X-OnCallClerk-Signature": plain(OTHER, body)}) == "bad_signature"
    assert reason(wh, body, {**headers, "webhook-signature": "v2,abc"}) == "invalid_header"


def test_missing_headers_and_plain_only() -> None:
    body = first("lead.captured")
    headers = hub_headers(body)
    del headers["webhook-signature"]
    assert reason(Webhook(SECRET), body, headers) == "missing_header"
    only = {"x-oncallclerk-signature": plain(SECRET, body)}
    assert reason(Webhook(SECRET), body, only) == "missing_header"
    assert Webhook(SECRET, allow_plain_only=True).verify(body, only).type == "lead.captured"
    bad = {"x-oncallclerk-signature": plain(OTHER, body)}
    assert reason(Webhook(SECRET, allow_plain_only=True), body, bad) == "bad_signature"


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1]", b'{"type":"lead.captured"}', b'{"id":"e","type":"lead.captured","created":1,"data":{"call_id":"c"}}', b"\xff"],
)
def test_signed_but_not_an_event(body: bytes) -> None:
    with pytest.raises(WebhookVerificationError) as e:
        Webhook(SECRET).verify(body, hub_headers(body) if body != b"\xff" else Webhook(SECRET).sign("e", int(__import__("time").time()), body))
    assert e.value.reason == "invalid_payload" and e.value.status == 400


def test_secrets_must_be_whsec() -> None:
    for bad in ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_"]:
        with pytest.raises(ValueError):
            Webhook(bad)
    with pytest.raises(ValueError):
        Webhook([])
