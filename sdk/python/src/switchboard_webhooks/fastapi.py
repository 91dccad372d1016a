"""FastAPI helper: a dependency that yields the verified event.

    from fastapi import Depends, FastAPI
    from switchboard_webhooks import Webhook
    from switchboard_webhooks.fastapi import verified

    wh = Webhook(os.environ["WEBHOOK_SECRET"])
    app = FastAPI()

    @app.post("/hook", status_code=204)
    async def hook(event=Depends(verified(wh))):
        print(event.type)

A bad signature answers 401, a body that is not an event 400, and an
exception in the endpoint 500 (so Switchboard retries).
"""
from __future__ import annotations

from typing import Awaitable, Callable

from starlette.requests import Request

from ._webhook import Webhook
from .events import Event
from .starlette import verify_request

__all__ = ["verified", "verify_request"]


def verified(webhook: Webhook) -> Callable[[Request], Awaitable[Event]]:
    """A FastAPI dependency reading the raw body and returning the verified event."""

    async def dependency(request: Request) -> Event:
        return await verify_request(webhook, request)

    return dependency
