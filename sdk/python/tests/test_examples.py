"""The FastAPI and Flask receivers of examples/receivers/ accept a signed event
and refuse a tampered one."""
from __future__ import annotations

import importlib.util
import time
from types import ModuleType

import pytest

from conftest import ROOT, SECRET, first
from switchboard_webhooks import Webhook


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / "receivers" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["fastapi_receiver", "flask_receiver"])
def test_example_receiver(name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip(name.split("_")[0])
    app = load(name, monkeypatch).app
    if name == "fastapi_receiver":
        from fastapi.testclient import TestClient

        client = TestClient(app)
        post = lambda body, headers: client.post("/hook", content=body, headers=headers).status_code  # noqa: E731
    else:
        flask_client = app.test_client()
        post = lambda body, headers: flask_client.post("/hook", data=body, headers=headers).status_code  # noqa: E731
    body = first("lead.captured")
    headers = Webhook(SECRET).sign("evt_1", int(time.time()), body)
    assert post(body, headers) == 204
    assert "lead Jordan Reyes" in capsys.readouterr().out
    assert post(body.replace(b"Jordan", b"Mallory"), headers) == 401
