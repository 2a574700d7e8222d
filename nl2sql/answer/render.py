"""The Answer of one question, and values as plain text for tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["Answer", "format_value"]


@dataclass(frozen=True)
class Answer:
    question: str
    sql: str
    dialect: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    truncated: bool
    answer_text: str
    tier: str
    confidence: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    options: tuple[str, ...] = ()  # competing readings of a mention, when one was assumed
    assumption: str = ""           # the option taken (said aloud in answer_text)
    route: dict[str, str] = field(default_factory=dict)  # HTAP: store, dialect, reason


def format_value(v: Any) -> str:
    """A value as it should be read: floats to at most 4 decimals, dates in ISO form.

    >>> format_value(1712.5), format_value(0.123456), format_value(None), format_value(3)
    ('1712.5', '0.1235', 'NULL', '3')
    """
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float | Decimal):
        text = f"{float(v):.4f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
    return str(v)
