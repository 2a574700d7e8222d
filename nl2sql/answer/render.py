"""The answer sentence: every figure in it is a value of the result rows, as stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["Answer", "format_value", "sentence"]

_MAX_ITEMS = 5  # values read out before "and N more"


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


def sentence(labels: tuple[str, ...], rows: list[tuple[Any, ...]], *, lang: str,
             truncated: bool = False) -> str:
    """A short sentence for speech: one value, one row, or a count and the first few rows."""
    zh = lang == "zh"
    if not rows:
        return "没有查到符合条件的数据。" if zh else "No matching rows were found."
    if len(rows) == 1:
        pairs = [(lab, format_value(v)) for lab, v in zip(labels, rows[0], strict=False)]
        if zh:
            return "，".join(f"{lab}为{v}" for lab, v in pairs) + "。"
        return "; ".join(f"{lab} is {v}" for lab, v in pairs).capitalize() + "."
    shown = [", ".join(format_value(v) for v in row) for row in rows[:_MAX_ITEMS]]
    more = len(rows) - len(shown)
    n = f"{len(rows)}+" if truncated else str(len(rows))
    if zh:
        tail = f"，等{more}条" if more else ""
        return f"共{n}条结果：" + "；".join(shown) + tail + "。"
    tail = f", and {more} more" if more else ""
    return f"{n} rows: " + "; ".join(shown) + tail + "."
