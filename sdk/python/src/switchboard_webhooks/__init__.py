"""Verified, typed Switchboard webhooks (standard library only).

    from switchboard_webhooks import Webhook, LeadCaptured

    event = Webhook("whsec_...").verify(body, headers)   # raises WebhookVerificationError
    if isinstance(event, LeadCaptured):
        print(event.data.lead.name)

Framework helpers (optional imports): `switchboard_webhooks.fastapi`
(FastAPI and Starlette) and `switchboard_webhooks.flask`.
"""
from ._webhook import DEFAULT_TOLERANCE, REASONS, Webhook, WebhookVerificationError, parse_event
from .events import *  # noqa: F401,F403
from .events import __all__ as _events_all

__version__ = "0.1.0"

__all__ = [
    "Webhook",
    "WebhookVerificationError",
    "parse_event",
    "DEFAULT_TOLERANCE",
    "REASONS",
    *_events_all,
]
