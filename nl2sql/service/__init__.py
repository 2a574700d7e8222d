"""The HTTP service (FastAPI), built by build_app(settings)."""

from __future__ import annotations

from nl2sql.service.app import build_app

__all__ = ["build_app"]
