"""Flask helper: the verified event of the current request, from its raw body.

    from flask import Flask
    from switchboard_webhooks import Webhook
    from switchboard_webhooks.flask import verified_event

    app, wh = Flask(__name__), Webhook(os.environ["WEBHOOK_SECRET"])

    @app.post("/hook")
    def hook():
        event = verified_event(wh)     # aborts with 401 / 400 otherwise
        print(event.type)
        return "", 204
"""
from __future__ import annotations

from typing import Any, Optional

from flask import abort
from flask import request as current_request

from ._webhook import Webhook, WebhookVerificationError
from .events import Event

__all__ = ["verified_event"]


def verified_event(webhook: Webhook, request: Optional[Any] = None) -> Event:
    """Verifies `request` (default: Flask's current one) from its raw bytes
    (`get_data()`, which `request.json` does not disturb) and returns the
    event; aborts 401 on a bad signature, 400 on a body that is not an event."""
    req = current_request if request is None else request
    body = req.get_data(cache=True)
    try:
        return webhook.verify(body, req.headers)
    except WebhookVerificationError as e:
        abort(e.status, description=str(e))
        raise  # abort() raises; never reached
