from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from standardwebhooks.webhooks import Webhook as Official

ROOT = Path(__file__).resolve().parents[3]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER = "whsec_" + __import__("base64").b64encode(bytes([7]) * 32).decode()


def fixtures() -> List[bytes]:
    return [p.read_bytes() for p in sorted((ROOT / "core" / "fixtures").glob("*.json"))]


def plain(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hub_headers(
    body: bytes, secrets: Optional[List[str]] = None, msg_id: str = "evt_1", ts: Optional[int] = None
) -> Dict[str, str]:
    """Headers as the hub sends them, the Standard Webhooks one signed by the official library."""
    secrets = secrets or [SECRET]
    ts = int(time.time()) if ts is None else ts
    when = datetime.fromtimestamp(ts, tz=timezone.utc)
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": " ".join(Official(s).sign(msg_id, when, body.decode()) for s in secrets),
        "X-OnCallClerk-Signature": ",".join(plain(s, body) for s in secrets),
    }


@pytest.fixture
def samples() -> List[bytes]:
    return fixtures()


def first(kind: str) -> bytes:
    return next(b for b in fixtures() if json.loads(b)["type"] == kind)
