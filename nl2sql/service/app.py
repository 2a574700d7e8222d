"""The FastAPI app: thin routes over Gateway, one error envelope for every failure.

build_app(settings) wires the parts of this package: Gateways (one per database, closed
gracefully), the result cache in front of each backend, API keys with roles and rate
limits, Prometheus metrics, and the request middleware (request id, body cap, JSON logs).
"""

from __future__ import annotations

import base64
import datetime as dt
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
from starlette.exceptions import HTTPException as StarletteHTTPException

from nl2sql import __version__
from nl2sql.answer import Answer
from nl2sql.backends import Backend, redact
from nl2sql.errors import GuardError, Nl2SqlError
from nl2sql.service.auth import ApiKey, KeyRing
from nl2sql.service.cache import CachedBackend, LruTtlCache, ResultCache
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


def build_app(settings: Settings | None = None) -> FastAPI:
    """The HTTP service for these settings."""
    settings = settings or load_settings()
    configure_logging(settings.log_format)
    metrics = Metrics()
    cache = _cache(settings)
    gateways = Gateways(settings, _cache_wrapper(cache, metrics) if cache is not None else None)
    keys = KeyRing(settings.api_keys)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log_event(log, "started", databases=sorted(gateways.urls), open_access=keys.open,
                  cache_size=settings.cache_size if cache is not None else 0)
        yield
        # Off the event loop: waiting for in-flight requests must not stop them finishing.
        cut = await anyio.to_thread.run_sync(gateways.close, settings.shutdown_grace_s)
        log_event(log, "gateways closed", cut_requests=cut)

    app = FastAPI(title="nl2sql", version=__version__, lifespan=lifespan,
                  description="Natural-language questions in, read-only SQL and answers out.")
    app.state.gateways, app.state.metrics, app.state.cache = gateways, metrics, cache
    app.add_middleware(RequestMiddleware, metrics=metrics, max_body_bytes=settings.max_body_bytes)
    _add_error_handlers(app, metrics)
    _add_routes(app, gateways, metrics, cache, keys)
    return app


def _cache(settings: Settings) -> ResultCache | None:
    if settings.cache_size <= 0 or settings.cache_ttl_s <= 0:
        return None
    return LruTtlCache(settings.cache_size, settings.cache_ttl_s)


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
                cache: ResultCache | None, keys: KeyRing) -> None:
    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    def allowed(action: str) -> list[Any]:
        return [Depends(_authorizer(keys, action))]

    @app.get("/v1/databases", responses=_ERRORS, dependencies=allowed("databases"))
    def databases() -> dict[str, Any]:
        return {"databases": {k: redact(v) for k, v in gateways.urls.items()}}

    @app.post("/v1/ask", response_model=AskResponse, responses=_ERRORS,
              dependencies=allowed("ask"))
    def ask(req: AskRequest) -> dict[str, Any]:
        with gateways.use(req.database) as (name, gateway):
            _state().database = name
            answer = gateway.ask(req.question, deadline_ms=req.deadline_ms)
        return _answered(answer, name, metrics, "ask")

    @app.post("/v1/sql", response_model=AskResponse, responses=_ERRORS,
              dependencies=allowed("sql"))
    def run_sql(req: SqlRequest) -> dict[str, Any]:
        with gateways.use(req.database) as (name, gateway):
            _state().database = name
            answer = gateway.run_sql(req.sql, deadline_ms=req.deadline_ms)
        return _answered(answer, name, metrics, "sql")

    @app.post("/v1/cache/clear", response_model=CacheClearResponse, responses=_ERRORS,
              dependencies=allowed("cache"))
    def clear_cache() -> dict[str, int]:
        return {"cleared": cache.clear() if cache is not None else 0}


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
    state = _state()
    state.tier = a.tier
    metrics.observe_answer(a.timings_ms, a.tier, endpoint)
    return _response(a, database, state.cached)


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
    return {
        "question": a.question, "sql": a.sql, "dialect": a.dialect, "columns": list(a.columns),
        "rows": [[_json_value(v) for v in row] for row in a.rows], "truncated": a.truncated,
        "answer_text": a.answer_text, "tier": a.tier, "confidence": a.confidence,
        "timings_ms": a.timings_ms, "evidence": list(a.evidence), "database": database,
        "cached": cached,
    }
