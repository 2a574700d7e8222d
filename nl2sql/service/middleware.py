"""One ASGI middleware around every HTTP request: request id, body cap, metrics, access log,
and the door (nl2sql.backends.admission.Door) in front of the routes that query a database.

It sits inside Starlette's ServerErrorMiddleware, so an unexpected exception is answered
here with the 500 envelope (incident id, request id, no traceback) and never re-raised
past it while a response can still be sent.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from collections.abc import Collection
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nl2sql.backends.admission import Door
from nl2sql.service.context import RequestState, request_id_from, reset_state, use_state
from nl2sql.service.logs import log_event
from nl2sql.service.metrics import Metrics

__all__ = ["REQUEST_ID_HEADER", "RequestMiddleware"]

REQUEST_ID_HEADER = "X-Request-ID"
access_log = logging.getLogger("nl2sql.access")
error_log = logging.getLogger("nl2sql.service")


class RequestMiddleware:
    """Stamp, bound, time and log each HTTP request."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int,
                 door: Door | None = None, gated: Collection[str] = ()) -> None:
        """`door` guards the `gated` paths (those whose requests go through admission)."""
        self.app, self.metrics, self.max_body_bytes = app, metrics, max_body_bytes
        self.door, self.gated = door, frozenset(gated)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = RequestState(request_id_from(Headers(scope=scope).get("x-request-id")))
        token = use_state(state)
        sent: dict[str, Any] = {"status": 500, "started": False}

        async def send_stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent.update(status=message["status"], started=True)
                header = (REQUEST_ID_HEADER.lower().encode(), state.request_id.encode())
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        start = time.perf_counter()
        self.metrics.in_flight.inc()
        try:
            await self._serve(scope, receive, send_stamped, state, sent)
        finally:
            self.metrics.in_flight.dec()
            self._record(scope, state, sent["status"], time.perf_counter() - start)
            reset_state(token)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, state: RequestState,
                     sent: dict[str, Any]) -> None:
        if self._declared_length(scope) > self.max_body_bytes:
            await self._reply(send, state, 413, "payload_too_large", self._too_large())
            return
        door = self.door if scope["path"] in self.gated else None
        if door is not None and not door.enter():
            # The connection goes too: a refused crowd would otherwise hold a thousand idle
            # keep-alive connections through its Retry-After, and the server's keep-alive
            # timeout would close them under the clients anyway.
            busy = door.refusal()
            await self._reply(send, state, busy.http_status, busy.type, busy.message,
                              [(b"retry-after", str(math.ceil(busy.retry_after_s)).encode()),
                               (b"connection", b"close")], **busy.details)
            return
        try:
            await self.app(scope, self._bounded(receive), send)
        except Exception:
            incident = uuid.uuid4().hex[:12]
            error_log.exception("unexpected error, incident %s", incident,
                                extra={"fields": {"incident": incident}})
            if sent["started"]:
                raise  # half a response is out; only dropping the connection is left
            await self._reply(send, state, 500, "internal_error",
                              "internal error; the incident id is in the server log",
                              incident=incident)
        finally:
            if door is not None:
                door.leave()

    def _declared_length(self, scope: Scope) -> int:
        value = Headers(scope=scope).get("content-length", "")
        return int(value) if value.isdigit() else 0

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body_bytes} bytes"

    def _bounded(self, receive: Receive) -> Receive:
        seen = 0

        async def receive_bounded() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body_bytes:
                # FastAPI re-raises HTTPException from body reading; the app's handler
                # turns it into the 413 envelope.
                raise HTTPException(413, self._too_large())
            return message

        return receive_bounded

    async def _reply(self, send: Send, state: RequestState, status: int, etype: str,
                     message: str, headers: list[tuple[bytes, bytes]] | None = None,
                     **details: Any) -> None:
        state.error = etype
        self.metrics.observe_error(etype)
        body = json.dumps({"error": {"type": etype, "message": message, **details,
                                     "request_id": state.request_id}}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                *(headers or ())]})
        await send({"type": "http.response.body", "body": body})

    def _record(self, scope: Scope, state: RequestState, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or (
            scope["path"] if scope["path"] in self.gated else "unmatched")
        self.metrics.observe_request(route, scope["method"], status, seconds)
        log_event(access_log, "request", request_id=state.request_id,
                  method=scope["method"], path=scope["path"],
                  route=route, status=status, ms=round(seconds * 1000, 3), key=state.key,
                  role=state.role, database=state.database, tier=state.tier,
                  cached=state.cached or None, error=state.error, reason=state.reason)
