"""The FastAPI app: thin routes over Gateway, one error envelope for every failure.

build_app(settings) wires the parts of this package: Gateways (one per database, closed
gracefully), the result cache in front of each backend, API keys with roles and rate
limits, Prometheus metrics, and the request middleware (request id, body cap, JSON logs).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import math
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.telemetry import TelemetryConfig
from starlette.exceptions import HTTPException as StarletteHTTPException

from nl2sql import __version__
from nl2sql.answer import Answer, PendingAnswers
from nl2sql.backends import Backend, redact
from nl2sql.backends.admission import Door
from nl2sql.errors import GuardError, Nl2SqlError
from nl2sql.service.answers import Held, answer_or_hold, answer_routes, held_response
from nl2sql.service.auth import ApiKey, KeyRing
from nl2sql.service.cache import CachedBackend, ResultCache
from nl2sql.service.context import RequestState, current
from nl2sql.service.gateways import Gateways
from nl2sql.service.logs import configure_logging, log_event
from nl2sql.service.metrics import Metrics
from nl2sql.service.middleware import RequestMiddleware
from nl2sql.service.protocol import (
    AskRequest,
    AskResponse,
    CacheClearResponse,
    ErrorResponse,
    SqlRequest,
)
from nl2sql.service.shared_state import SharedState, open_state
from nl2sql.settings import Settings, load_settings

__all__ = ["build_app"]

log = logging.getLogger("nl2sql.service")
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse}
    for code in (400, 401, 403, 404, 409, 413, 422, 429, 500, 502, 503, 504)}
_HeaderKey = Annotated[str | None, Security(APIKeyHeader(name="X-API-Key", auto_error=False))]
_BearerKey = Annotated[HTTPAuthorizationCredentials | None,
                       Security(HTTPBearer(auto_error=False))]
_HTTP_TYPES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def build_app(settings: Settings | None = None) -> FastAPI:
    """The HTTP service for these settings."""
    settings = settings or load_settings()
    configure_logging(settings.log_format)
    metrics = Metrics()
    state = open_state(settings)
    cache = _cache(settings, state)
    gateways = Gateways(settings, _cache_wrapper(cache, metrics) if cache is not None else None,
                        metrics)
    keys = KeyRing(settings.api_keys, state.take, role_access=settings.role_access)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log_event(log, "started", databases=sorted(gateways.urls), open_access=keys.open,
                  cache_size=settings.cache_size if cache is not None else 0)
        yield
        # Off the event loop: waiting for in-flight requests must not stop them finishing.
        cut = await anyio.to_thread.run_sync(gateways.close, settings.shutdown_grace_s)
        log_event(log, "gateways closed", cut_requests=cut)
        state.close()

    # FastAPI's own OpenTelemetry hooks stay off: the service exports Prometheus metrics and
    # JSON logs itself, and checking for OTel providers on every request cost a fifth of the
    # CPU of a refused request under a crowd.
    app = FastAPI(title="nl2sql", version=__version__, lifespan=lifespan,
                  description="Natural-language questions in, read-only SQL and answers out.",
                  telemetry=NO_TELEMETRY)
    app.state.gateways, app.state.metrics, app.state.cache = gateways, metrics, cache
    door = Door(len(gateways.urls) * (settings.max_concurrency + settings.max_queue),
                "the service", settings.retry_per_s)
    app.add_middleware(RequestMiddleware, metrics=metrics, max_body_bytes=settings.max_body_bytes,
                       door=door, gated=("/v1/ask", "/v1/sql"))
    _add_error_handlers(app, metrics)
    pending = PendingAnswers(max_pending=settings.pending_answers_max,
                             ttl_s=settings.pending_answer_ttl_s)
    _add_routes(app, gateways, metrics, cache, keys, pending)
    app.include_router(answer_routes(
        pending, lambda a, name: _answered(a, name, metrics, "answers"),
        [Depends(_authorizer(keys, "ask"))], _ERRORS))
    return app


def _cache(settings: Settings, state: SharedState) -> ResultCache | None:
    if settings.cache_size <= 0 or settings.cache_ttl_s <= 0:
        return None
    return state


def _cache_wrapper(cache: ResultCache, metrics: Metrics) -> Callable[[str, Backend], Backend]:
    def on_lookup(hit: bool) -> None:
        metrics.observe_cache(hit)
        state = current()
        if state is not None:
            state.cached = hit

    def wrap(name: str, backend: Backend) -> Backend:
        return CachedBackend(backend, cache, name, on_lookup)

    return wrap


def _add_routes(app: FastAPI, gateways: Gateways, metrics: Metrics,
                cache: ResultCache | None, keys: KeyRing, pending: PendingAnswers) -> None:
    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    def allowed(action: str) -> list[Any]:
        return [Depends(_authorizer(keys, action))]

    # Routes whose guard needs the caller's key (what it may read) take it as a parameter.
    ask_key, sql_key = (Depends(_authorizer(keys, action)) for action in ("ask", "sql"))

    @app.get("/v1/databases", responses=_ERRORS, dependencies=allowed("databases"))
    async def databases() -> dict[str, Any]:
        return {"databases": {k: redact(v) for k, v in gateways.urls.items()}}

    @app.post("/v1/ask", response_model=AskResponse, responses=_ERRORS)
    async def ask(req: AskRequest,
                  key: ApiKey = ask_key) -> Response | dict[str, Any]:
        name = _state().database = gateways.resolve(req.database)
        answer = await answer_or_hold(gateways, pending, name, req, lambda g, left: gateways.ask(
            name, g, req.question, left, access=key.access, policy=req.default_policy))
        if isinstance(answer, Held):
            return held_response(answer)
        return _answer_json(answer, name, metrics, "ask")

    @app.post("/v1/sql", response_model=AskResponse, responses=_ERRORS)
    async def run_sql(req: SqlRequest,
                      key: ApiKey = sql_key) -> Response:
        name = _state().database = gateways.resolve(req.database)
        answer = await gateways.run(name, req.deadline_ms, lambda g, left: gateways.run_sql(
            name, g, req.sql, left, access=key.access))
        return _answer_json(answer, name, metrics, "sql")

    @app.post("/v1/cache/clear", response_model=CacheClearResponse, responses=_ERRORS,
              dependencies=allowed("cache"))
    async def clear_cache() -> dict[str, int]:
        gateways.clear_memos()  # on the loop, where the memos live
        return {"cleared": await anyio.to_thread.run_sync(cache.clear) if cache is not None
                else 0}


def _authorizer(keys: KeyRing, action: str) -> Callable[..., Any]:
    """A dependency that admits callers whose key may do `action` (anyone, with no keys)."""
    if keys.open:
        async def open_access() -> ApiKey:
            return _admit(keys.authorize(None, action))
        return open_access

    async def keyed_access(header_key: _HeaderKey = None, bearer_key: _BearerKey = None) -> ApiKey:
        presented = bearer_key.credentials if bearer_key is not None else header_key
        return _admit(keys.authorize(presented, action))

    return keyed_access


def _admit(key: ApiKey) -> ApiKey:
    state = _state()
    state.key, state.role = key.name, key.role
    return key


def _state() -> RequestState:
    # Outside the middleware (a test mounting the routes alone) a throwaway state will do.
    return current() or RequestState(uuid.uuid4().hex)


def _add_error_handlers(app: FastAPI, metrics: Metrics) -> None:
    @app.exception_handler(Nl2SqlError)
    async def _known(request: Request, e: Nl2SqlError) -> JSONResponse:
        reason = e.details.get("reason") if isinstance(e, GuardError) else None
        retry = getattr(e, "retry_after_s", None)
        headers = {"Retry-After": str(max(1, math.ceil(retry)))} if retry is not None else None
        return _error(metrics, e.http_status, e.to_dict(), headers, reason)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'] if p != 'body') or 'body'}: {err['msg']}"
            for err in e.errors())
        return _error(metrics, 400, {"type": "invalid_request", "message": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException) -> JSONResponse:
        etype = _HTTP_TYPES.get(e.status_code, "invalid_request" if e.status_code < 500
                                else "internal_error")
        return _error(metrics, e.status_code, {"type": etype, "message": str(e.detail)},
                      dict(e.headers) if e.headers else None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, e: Exception) -> JSONResponse:
        # Reached only if RequestMiddleware is bypassed; it answers these itself.
        incident = uuid.uuid4().hex[:12]
        log.exception("unexpected error, incident %s", incident)
        return _error(metrics, 500, {"type": "internal_error", "incident": incident,
                                     "message": "internal error; the incident id is in the "
                                                "server log"})


def _error(metrics: Metrics, status: int, body: dict[str, Any],
           headers: dict[str, str] | None = None, reason: str | None = None) -> JSONResponse:
    """The one error envelope, counted and stamped with the request id."""
    metrics.observe_error(body["type"], reason)
    state = current()
    if state is not None:
        state.error, state.reason = body["type"], reason
        body = {**body, "request_id": state.request_id}  # the header is RequestMiddleware's
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _answered(a: Answer, database: str, metrics: Metrics, endpoint: str) -> dict[str, Any]:
    return _response(a, database, _observed(a, metrics, endpoint))


def _answer_json(a: Answer, database: str, metrics: Metrics, endpoint: str) -> Response:
    """The answer written as JSON here rather than through the route's response_model:
    validating and serializing every row with pydantic cost a third of a cached answer's
    CPU. The model still documents the shape; tests compare the two."""
    body = _body(a, database, _observed(a, metrics, endpoint))
    return Response(_encode(body), media_type="application/json")


def _observed(a: Answer, metrics: Metrics, endpoint: str) -> bool:
    """Count the answer; returns whether its rows came from the result cache."""
    state = _state()
    state.tier = a.tier
    metrics.observe_answer(a.timings_ms, a.tier, endpoint)
    return state.cached


def _encode(body: dict[str, Any]) -> bytes:
    try:
        return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                          default=_json_default).encode()
    except ValueError:  # NaN or an infinity in the rows: null, as pydantic writes them
        rows = [[None if isinstance(x := _json_value(v), float) and not math.isfinite(x)
                 else x for v in row] for row in body["rows"]]
        return json.dumps({**body, "rows": rows}, ensure_ascii=False, allow_nan=False,
                          separators=(",", ":"), default=_json_default).encode()


def _json_default(v: Any) -> Any:
    """What json.dumps calls for a value it cannot write: `_json_value`, else its text."""
    out = _json_value(v)
    return str(v) if out is v else out


def _json_value(v: Any) -> Any:
    """Database values as JSON: exact decimals become floats, dates ISO strings."""
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(v)).decode()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    return v


def _response(a: Answer, database: str, cached: bool = False) -> dict[str, Any]:
    """The response body in plain JSON values (the CLI's --json, held answers)."""
    return {**_body(a, database, cached),
            "rows": [[_json_value(v) for v in row] for row in a.rows]}


def _body(a: Answer, database: str, cached: bool) -> dict[str, Any]:
    """Every AskResponse field; rows as the database gave them."""
    return {
        "question": a.question, "sql": a.sql, "dialect": a.dialect, "columns": list(a.columns),
        "rows": a.rows, "truncated": a.truncated, "answer_text": a.answer_text,
        "tier": a.tier, "confidence": float(a.confidence), "timings_ms": a.timings_ms,
        "evidence": list(a.evidence), "database": database, "cached": cached,
        "route": a.route or None, "needs_clarification": False, "options": list(a.options),
        "assumption": a.assumption, "pending": False, "answer_id": None,
    }
