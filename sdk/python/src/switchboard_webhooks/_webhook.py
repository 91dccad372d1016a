"""`Webhook`: verifies both signatures of a Switchboard request and returns the typed event."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Callable, Iterable, List, Mapping, Sequence, Tuple, Union

from .events import EVENT_CLASSES, Event, UnknownEvent

DEFAULT_TOLERANCE = 300

#: Why a request was refused (`WebhookVerificationError.reason`).
REASONS = (
    "missing_header",  # webhook-id, webhook-timestamp or webhook-signature is absent
    "invalid_header",  # a timestamp that is not a number, no v1 entry
    "bad_signature",  # no signature matches any secret: wrong secret or a changed body
    "timestamp_too_old",  # more than the tolerance in the past: a replay
    "timestamp_too_new",  # more than the tolerance in the future: a clock problem
    "invalid_payload",  # signed correctly, but not an event envelope
)


class WebhookVerificationError(Exception):
    """A request that must not be trusted (`reason` says why), or, with reason
    `invalid_payload`, a correctly signed body that is not an event. Answer
    401 to the first kind and 400 to the second (`status` gives it)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message

    @property
    def status(self) -> int:
        """The HTTP status to answer: 400 for `invalid_payload`, else 401."""
        return 400 if self.reason == "invalid_payload" else 401


def _key(secret: str) -> Tuple[bytes, bytes]:
    """(plain key, Standard Webhooks key) of a `whsec_...` secret."""
    if not isinstance(secret, str) or not secret.startswith("whsec_"):
        raise ValueError("switchboard_webhooks: a secret looks like whsec_<base64>")
    try:
        decoded = base64.b64decode(secret[len("whsec_") :], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("switchboard_webhooks: a secret looks like whsec_<base64>") from None
    if not decoded:
        raise ValueError("switchboard_webhooks: a secret looks like whsec_<base64>")
    return secret.encode(), decoded


def _lower(headers: Union[Mapping[str, str], Iterable[Tuple[str, str]]]) -> dict[str, str]:
    # Mappings (dict, Starlette's Headers) and Werkzeug's Headers have items().
    h: Any = headers
    items: Iterable[Tuple[str, str]] = h.items() if hasattr(h, "items") else h
    return {str(k).lower(): str(v) for k, v in items}


def _any_equal(given: Sequence[str], want: str) -> bool:
    # Every entry is compared, so timing does not tell which one matched.
    ok = False
    for g in given:
        ok = hmac.compare_digest(g.encode(), want.encode()) or ok
    return ok


class Webhook:
    """Verifies Switchboard webhooks signed with one secret, or several during a rotation.

    `verify` requires the Standard Webhooks signature (`webhook-signature`,
    within `tolerance` seconds of now) unless `allow_plain_only`; the plain
    `X-OnCallClerk-Signature`, when present, must match too.
    """

    def __init__(
        self,
        secret: Union[str, Sequence[str]],
        *,
        tolerance: int = DEFAULT_TOLERANCE,
        allow_plain_only: bool = False,
        now: Callable[[], float] = time.time,
    ) -> None:
        secrets: List[str] = [secret] if isinstance(secret, str) else list(secret)
        if not secrets:
            raise ValueError("switchboard_webhooks: no secret given")
        self._keys = [_key(s) for s in secrets]
        self._tolerance = tolerance
        self._allow_plain_only = allow_plain_only
        self._now = now

    def verify(self, body: Union[bytes, bytearray, memoryview, str], headers: Mapping[str, str]) -> Event:
        """Checks the signatures of a request and returns its typed event.

        `body` is the raw request body, exactly as received; `headers` any
        mapping (any key case). Raises WebhookVerificationError.
        """
        if isinstance(body, str):
            body = body.encode()
        if not isinstance(body, (bytes, bytearray, memoryview)):
            raise WebhookVerificationError(
                "invalid_payload", "the body must be the raw request body (bytes), not parsed JSON"
            )
        raw = bytes(body)
        h = _lower(headers)
        msg_id, ts, sig = h.get("webhook-id"), h.get("webhook-timestamp"), h.get("webhook-signature")
        plain = h.get("x-oncallclerk-signature")
        if msg_id is None or ts is None or sig is None:
            if not (self._allow_plain_only and plain is not None):
                missing = [n for n, v in (("webhook-id", msg_id), ("webhook-timestamp", ts), ("webhook-signature", sig)) if v is None]
                raise WebhookVerificationError("missing_header", "missing header " + ", ".join(missing))
        else:
            self._check_standard(msg_id, ts, sig, raw)
        if plain is not None:
            self._check_plain(plain, raw)
        return parse_event(raw)

    def _check_standard(self, msg_id: str, ts: str, sig: str, body: bytes) -> None:
        ts = ts.strip()
        if not ts.isdigit() or len(ts) > 15:
            raise WebhookVerificationError("invalid_header", "webhook-timestamp is not Unix seconds")
        age = int(self._now()) - int(ts)
        if age > self._tolerance:
            raise WebhookVerificationError(
                "timestamp_too_old", f"webhook-timestamp is {age} s old (tolerance {self._tolerance} s)"
            )
        if -age > self._tolerance:
            raise WebhookVerificationError(
                "timestamp_too_new",
                f"webhook-timestamp is {-age} s in the future (tolerance {self._tolerance} s)",
            )
        given = [e[3:] for e in sig.split(" ") if e.startswith("v1,")]
        if not given:
            raise WebhookVerificationError("invalid_header", "webhook-signature has no v1 entry")
        signed = f"{msg_id}.{ts}.".encode() + body
        for _, key in self._keys:
            want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
            if _any_equal(given, want):
                return
        raise WebhookVerificationError("bad_signature", "webhook-signature does not match any secret")

    def _check_plain(self, header: str, body: bytes) -> None:
        given = [g.strip().lower() for g in header.split(",")]
        for key, _ in self._keys:
            if _any_equal(given, hmac.new(key, body, hashlib.sha256).hexdigest()):
                return
        raise WebhookVerificationError("bad_signature", "X-OnCallClerk-Signature does not match any secret")

    def sign(self, msg_id: str, timestamp: int, body: Union[bytes, str]) -> dict[str, str]:
        """The headers the hub would send with `body`, signed with every secret
        (newest first). For tests of your own receiver."""
        raw = body.encode() if isinstance(body, str) else body
        signed = f"{msg_id}.{timestamp}.".encode() + raw
        return {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(
                "v1," + base64.b64encode(hmac.new(k, signed, hashlib.sha256).digest()).decode()
                for _, k in self._keys
            ),
            "x-oncallclerk-signature": ",".join(
                hmac.new(p, raw, hashlib.sha256).hexdigest() for p, _ in self._keys
            ),
        }


def parse_event(body: Union[bytes, str]) -> Event:
    """The typed event of a (signature-checked) body: the class of its `type`,
    or `UnknownEvent` for a type this SDK does not know. Unknown fields are
    kept in `extra`. Raises WebhookVerificationError("invalid_payload")."""
    try:
        value: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise WebhookVerificationError("invalid_payload", f"the body is not JSON: {e}") from None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise WebhookVerificationError("invalid_payload", "the body is not an event envelope")
    cls: Any = EVENT_CLASSES.get(value["type"], UnknownEvent)
    try:
        event: Event = cls.from_dict(value)
    except ValueError as e:
        raise WebhookVerificationError("invalid_payload", str(e)) from None
    return event

