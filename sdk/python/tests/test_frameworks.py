"""The FastAPI / Starlette and Flask helpers read the raw body."""
from __future__ import annotations

import time

import pytest

from conftest import SECRET, first
from switchboard_webhooks import LeadCaptured, Webhook

wh = Webhook(SECRET)


def test_fastapi_dependency() -> None:
    pytest.importorskip("fastapi")
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient

    from switchboard_webhooks.fastapi import verified

    seen = []
    app = FastAPI()

    @app.post("/hook", status_code=204)
    async def hook(event=Depends(verified(wh))):  # type: ignore[no-untyped-def]
        if event.data.call_id == "boom":
            raise RuntimeError("CRM down")
        seen.append(event)

    client = TestClient(app, raise_server_exceptions=False)
    body = first("lead.captured")
    assert client.post("/hook", content=body, headers=wh.sign("evt_1", int(time.time()), body)).status_code == 204
    assert isinstance(seen[0], LeadCaptured)
    tampered = client.post("/hook", content=body + b" ", headers=wh.sign("evt_1", int(time.time()), body))
    assert tampered.status_code == 401 and "bad_signature" in tampered.text
    old = client.post("/hook", content=body, headers=wh.sign("evt_1", int(time.time()) - 600, body))
    assert old.status_code == 401
    assert client.post("/hook", content=b"{", headers=wh.sign("e", int(time.time()), b"{")).status_code == 400
    boom = body.replace(b"call_01J9Z3K8Q2M4N6P8R0S2T4V6X8", b"boom")
    assert client.post("/hook", content=boom, headers=wh.sign("e", int(time.time()), boom)).status_code == 500


def test_flask_helper() -> None:
    pytest.importorskip("flask")
    from flask import Flask

    from switchboard_webhooks.flask import verified_event

    seen = []
    app = Flask(__name__)

    @app.post("/hook")
    def hook():  # type: ignore[no-untyped-def]
        seen.append(verified_event(wh))
        return "", 204

    client = app.test_client()
    body = first("lead.captured")
    assert client.post("/hook", data=body, headers=wh.sign("evt_1", int(time.time()), body)).status_code == 204
    assert isinstance(seen[0], LeadCaptured)
    r = client.post("/hook", data=body + b" ", headers=wh.sign("evt_1", int(time.time()), body))
    assert r.status_code == 401 and b"bad_signature" in r.data
    assert client.post("/hook", data=b"{", headers=wh.sign("e", int(time.time()), b"{")).status_code == 400
