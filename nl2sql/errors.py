"""The one error tree of nl2sql, converted to HTTP or CLI output once, at the edge.

    Nl2SqlError
    ├── ConfigError          bad settings, unknown database URL
    ├── InputError           a malformed request (empty question, bad field)
    ├── Unauthorized         no valid API key
    ├── Forbidden            the key's role may not do this
    ├── RateLimited          the key is over its rate; retry later
    ├── CatalogError         a database cannot be introspected
    ├── LinkError            nothing in the schema matches the question
    ├── GenerationError      no tier could turn the question into SQL
    │   └── ModelUnavailable the served model did not answer (after retries)
    ├── ClarificationNeeded  the question is ambiguous; carries the options
    ├── GuardError           the SQL was rejected (write, unknown identifier, ...)
    └── ExecutionError       the database failed or timed out
        ├── DeadlineExceeded the request's deadline passed
        ├── QueryTimeout     the statement ran past its time limit
        └── BackendBusy      too many queries in flight; retry later
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BackendBusy",
    "CatalogError",
    "ClarificationNeeded",
    "ConfigError",
    "DeadlineExceeded",
    "ExecutionError",
    "GenerationError",
    "GuardError",
    "InputError",
    "LinkError",
    "ModelUnavailable",
    "Nl2SqlError",
    "QueryTimeout",
    "RateLimited",
    "Forbidden",
    "Unauthorized",
]


class Nl2SqlError(Exception):
    """Base of every error this package raises on purpose."""

    type = "nl2sql_error"
    http_status = 500

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = {k: v for k, v in details.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        """The error envelope body: {"type", "message", **details}."""
        return {"type": self.type, "message": self.message, **self.details}


class ConfigError(Nl2SqlError):
    type = "config_error"
    http_status = 400


class InputError(Nl2SqlError):
    type = "invalid_request"
    http_status = 400


class Unauthorized(Nl2SqlError):
    type = "unauthorized"
    http_status = 401


class Forbidden(Nl2SqlError):
    type = "forbidden"
    http_status = 403


class RateLimited(Nl2SqlError):
    type = "rate_limited"
    http_status = 429

    def __init__(self, message: str, retry_after_s: float, **details: Any) -> None:
        super().__init__(message, retry_after_s=retry_after_s, **details)
        self.retry_after_s = retry_after_s


class CatalogError(Nl2SqlError):
    type = "catalog_error"
    http_status = 502


class LinkError(Nl2SqlError):
    type = "cannot_answer"
    http_status = 422


class GenerationError(Nl2SqlError):
    type = "cannot_answer"
    http_status = 422


class ModelUnavailable(GenerationError):
    type = "model_unavailable"
    http_status = 503


class ClarificationNeeded(Nl2SqlError):
    type = "needs_clarification"
    http_status = 409

    def __init__(self, message: str, options: list[str], **details: Any) -> None:
        super().__init__(message, options=options, **details)
        self.options = options


class GuardError(Nl2SqlError):
    type = "sql_rejected"
    http_status = 400


class ExecutionError(Nl2SqlError):
    type = "execution_error"
    http_status = 502


class DeadlineExceeded(ExecutionError):
    type = "deadline_exceeded"
    http_status = 504


class QueryTimeout(ExecutionError):
    """The database stopped the statement at its time limit: the query is too expensive
    for this gateway's settings, not a server fault."""

    type = "query_timeout"
    http_status = 504


class BackendBusy(ExecutionError):
    type = "backend_busy"
    http_status = 503

    def __init__(self, message: str, retry_after_s: float = 1.0, **details: Any) -> None:
        super().__init__(message, retry_after_s=retry_after_s, **details)
        self.retry_after_s = retry_after_s
