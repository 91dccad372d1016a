"""Starlette (and FastAPI) helper: verify a request from its raw body.

    from switchboard_webhooks.starlette import verify_request

    async def hook(request):
        event = await verify_request(wh, request)   # HTTPException 401 / 400 otherwise
        ...
        return Response(status_code=204)
"""
from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException

from ._webhook import Webhook, WebhookVerificationError
from .events import Event


async def verify_request(webhook: Webhook, request: Any) -> Event:
    """The verified event of a `starlette.requests.Request`, read from the
    raw body (`await request.body()`); raises HTTPException 401 on a bad
    signature, 400 on a body that is not an event."""
    body = await request.body()
    try:
        return webhook.verify(body, request.headers)
    except WebhookVerificationError as e:
        raise HTTPException(status_code=e.status, detail=str(e)) from None
