"""Explicit calendar dates in a question: 2024-06-28, 2024年6月28日, March 14, 2025, 2025年3月.

Each becomes an inclusive [low, high] range of days; relative expressions (上个交易日,
last week) belong to the trading-calendar time resolver.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from nl2sql.text import Token

__all__ = ["DateSpan", "find_dates"]

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_PATTERNS = (
    # 2024-06-28, 2024/6/28, 2024.06.28
    re.compile(r"(?P<y>(?:19|20)\d\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    # 2024年6月28日, 2024年6月, 2024年
    re.compile(r"(?P<y>(?:19|20)\d\d)\s*年(?:\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*[日号])?)?"),
    # March 14, 2025 / March 14 2025 / 14 March 2025 / March 2025
    re.compile(rf"\b(?P<mn>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mn>{_MONTH})\.?,?\s+(?P<y>(?:19|20)\d\d)\b"),
    re.compile(rf"\b(?P<mn>{_MONTH})\.?,?\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)\b"),
    # in 2024 / during 2024 / for 2024
    re.compile(r"\b(?:in|during|for|of|throughout)\s+(?:the\s+year\s+)?(?P<y>(?:19|20)\d\d)\b"),
)


@dataclass(frozen=True)
class DateSpan:
    low: date
    high: date  # inclusive
    start: int  # token span in the question
    end: int

    @property
    def is_day(self) -> bool:
        return self.low == self.high


def _range(y: int, m: int | None, d: int | None) -> tuple[date, date] | None:
    try:
        if m is None:
            return date(y, 1, 1), date(y, 12, 31)
        if d is None:
            return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
        day = date(y, m, d)
        return day, day
    except ValueError:
        return None  # 2024-02-30 is not a date; leave the digits to the number linker


def find_dates(text: str, tokens: list[Token]) -> list[DateSpan]:
    """Date ranges in normalised question text, with the token spans they cover."""
    found: list[DateSpan] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            g = m.groupdict()
            month = _MONTHS[g["mn"]] if g.get("mn") else (int(g["m"]) if g.get("m") else None)
            span = _range(int(g["y"]), month, int(g["d"]) if g.get("d") else None)
            inside = [i for i, t in enumerate(tokens) if m.start() <= t.start < m.end()]
            if span is None or not inside:
                continue
            taken.append((m.start(), m.end()))
            found.append(DateSpan(span[0], span[1], inside[0], inside[-1] + 1))
    return sorted(found, key=lambda d: d.start)
