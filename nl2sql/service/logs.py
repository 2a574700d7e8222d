"""Structured logs: one JSON object per line, stamped with the current request id."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from nl2sql.service.context import current

__all__ = ["JsonFormatter", "configure_logging", "log_event"]

_MARK = "_nl2sql_handler"


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", "request_id", **fields}`; `fields` from `extra=`."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        state = current()
        if state is not None:
            out["request_id"] = state.request_id
        out.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class _TextFormatter(logging.Formatter):
    """Plain lines for people: the message, then the fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = dict(getattr(record, "fields", None) or {})
        state = current()
        if state is not None:
            fields.setdefault("request_id", state.request_id)
        tail = " ".join(f"{k}={v}" for k, v in fields.items())
        return f"{super().format(record)} {tail}".rstrip()


def configure_logging(fmt: str = "json", stream: Any = None) -> logging.Logger:
    """Give the `nl2sql` logger one handler in `fmt` ("json" or "text"), once per process."""
    logger = logging.getLogger("nl2sql")
    if not any(getattr(h, _MARK, False) for h in logger.handlers):
        handler = logging.StreamHandler(stream or sys.stderr)
        setattr(handler, _MARK, True)
        logger.addHandler(handler)
    for h in logger.handlers:
        if getattr(h, _MARK, False):
            h.setFormatter(JsonFormatter() if fmt == "json" else _TextFormatter())
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    return logger


def log_event(logger: logging.Logger, msg: str, level: int = logging.INFO,
              **fields: Any) -> None:
    """Log `msg` with structured `fields` (None values left out)."""
    if logger.isEnabledFor(level):
        logger.log(level, msg, extra={"fields": {k: v for k, v in fields.items()
                                                 if v is not None}})
