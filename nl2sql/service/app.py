"""The FastAPI app: thin routes over Gateway, one error envelope for every failure."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import threading
import uuid
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from nl2sql import __version__
from nl2sql.answer import Answer
from nl2sql.backends import redact
from nl2sql.errors import BackendBusy, InputError, Nl2SqlError
from nl2sql.pipeline import Gateway
from nl2sql.service.protocol import AskRequest, AskResponse, ErrorResponse, SqlRequest
from nl2sql.settings import Settings, database_urls, load_settings

__all__ = ["build_app"]

log = logging.getLogger("nl2sql.service")
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 404, 409, 422, 429, 500, 502, 503)}


class Gateways:
    """Open a Gateway per database on first use (introspection is the costly part)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.urls = database_urls(settings)
        self._open: dict[str, Gateway] = {}
        self._lock = threading.Lock()

    def get(self, name: str | None) -> tuple[str, Gateway]:
        name = name or "default"
        if name not in self.urls:
            raise InputError(f"unknown database {name!r}", known=sorted(self.urls))
        with self._lock:
            if name not in self._open:
                self._open[name] = Gateway.open(self.urls[name], self.settings)
            return name, self._open[name]

    def close(self) -> None:
        with self._lock:
            for g in self._open.values():
                g.close()
            self._open.clear()


def build_app(settings: Settings | None = None) -> FastAPI:
    """The HTTP service for these settings."""
    settings = settings or load_settings()
    gateways = Gateways(settings)
    app = FastAPI(title="nl2sql", version=__version__,
                  description="Natural-language questions in, read-only SQL and answers out.")
    app.state.gateways = gateways
    app.router.add_event_handler("shutdown", gateways.close)

    @app.exception_handler(Nl2SqlError)
    async def _known(request: Request, e: Nl2SqlError) -> JSONResponse:
        headers = {"Retry-After": str(max(1, round(e.retry_after_s)))} \
            if isinstance(e, BackendBusy) else None
        return _envelope(e.http_status, e.to_dict(), headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'] if p != 'body') or 'body'}: {err['msg']}"
            for err in e.errors())
        return _envelope(400, {"type": "invalid_request", "message": problems})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, e: Exception) -> JSONResponse:
        incident = uuid.uuid4().hex[:12]
        log.exception("unexpected error, incident %s", incident)
        return _envelope(500, {"type": "internal_error", "incident": incident,
                               "message": "internal error; the incident id is in the server log"})

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/v1/databases")
    def databases() -> dict[str, dict[str, str]]:
        return {"databases": {k: redact(v) for k, v in gateways.urls.items()}}

    @app.post("/v1/ask", response_model=AskResponse, responses=_ERRORS)
    def ask(req: AskRequest) -> dict[str, Any]:
        name, gateway = gateways.get(req.database)
        return _response(gateway.ask(req.question, deadline_ms=req.deadline_ms), name)

    @app.post("/v1/sql", response_model=AskResponse, responses=_ERRORS)
    def run_sql(req: SqlRequest) -> dict[str, Any]:
        name, gateway = gateways.get(req.database)
        return _response(gateway.run_sql(req.sql, deadline_ms=req.deadline_ms), name)

    return app


def _envelope(status: int, body: dict[str, Any],
              headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": body}, status_code=status, headers=headers)


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


def _response(a: Answer, database: str) -> dict[str, Any]:
    return {
        "question": a.question, "sql": a.sql, "dialect": a.dialect, "columns": list(a.columns),
        "rows": [[_json_value(v) for v in row] for row in a.rows], "truncated": a.truncated,
        "answer_text": a.answer_text, "tier": a.tier, "confidence": a.confidence,
        "timings_ms": a.timings_ms, "evidence": list(a.evidence), "database": database,
    }
