"""ASGI entry point for multi-worker servers: `uvicorn nl2sql.service.asgi:app`."""

from __future__ import annotations

from nl2sql.service.app import build_app

app = build_app()
