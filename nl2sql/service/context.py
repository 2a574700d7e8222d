"""What one HTTP request carries through the service: its id, caller and outcome."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["RequestState", "current", "request_id_from", "reset_state", "use_state"]

# A caller's X-Request-ID is echoed into logs and headers, so only plain tokens are kept.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


@dataclass
class RequestState:
    """Filled in as the request goes; mutable because sync routes run on a worker thread,
    where a context variable set there would not be seen back in the middleware."""

    request_id: str
    key: str | None = None
    role: str | None = None
    database: str | None = None
    tier: str | None = None
    cached: bool = False
    error: str | None = None
    reason: str | None = None


_CURRENT: ContextVar[RequestState | None] = ContextVar("nl2sql_request", default=None)


def current() -> RequestState | None:
    """The state of the request being served, or None outside a request."""
    return _CURRENT.get()


def use_state(state: RequestState) -> object:
    """Make `state` current; returns the token `_CURRENT.reset` takes."""
    return _CURRENT.set(state)


def reset_state(token: object) -> None:
    """Undo `use_state`."""
    _CURRENT.reset(token)  # type: ignore[arg-type]


def request_id_from(header: str | None) -> str:
    """The caller's request id when it is a plain token, else a new one.

    >>> request_id_from("abc-123")
    'abc-123'
    >>> len(request_id_from("bad id\\n"))
    32
    """
    if header and _SAFE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex
