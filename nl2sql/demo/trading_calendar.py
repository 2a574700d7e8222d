"""The SSE/SZSE trading calendar, 2023-01-01 .. 2026-12-31.

Both exchanges close on weekends and on the weekdays inside the official public holidays
(元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆) as published in the exchanges' yearly closure notices;
make-up working weekends stay closed. Days are int32 counts since 1970-01-01 throughout the demo.
"""

from __future__ import annotations

from datetime import date

import numpy as np

__all__ = [
    "CALENDAR_END",
    "CALENDAR_START",
    "HOLIDAYS",
    "calendar_frame",
    "day_number",
    "open_days",
    "to_date",
]

CALENDAR_START = date(2023, 1, 1)
CALENDAR_END = date(2026, 12, 31)
# The open day before CALENDAR_START (2022-12-30, a Friday).
_OPEN_DAY_BEFORE_START = date(2022, 12, 30)

# Weekday closures; ranges are inclusive and listed as the exchanges announced them.
_CLOSURES: tuple[tuple[str, str], ...] = (
    ("2023-01-02", "2023-01-02"),  # 元旦
    ("2023-01-23", "2023-01-27"),  # 春节
    ("2023-04-05", "2023-04-05"),  # 清明
    ("2023-05-01", "2023-05-03"),  # 劳动节
    ("2023-06-22", "2023-06-23"),  # 端午
    ("2023-09-29", "2023-10-06"),  # 中秋、国庆
    ("2024-01-01", "2024-01-01"),
    ("2024-02-09", "2024-02-16"),
    ("2024-04-04", "2024-04-05"),
    ("2024-05-01", "2024-05-03"),
    ("2024-06-10", "2024-06-10"),
    ("2024-09-16", "2024-09-17"),
    ("2024-10-01", "2024-10-07"),
    ("2025-01-01", "2025-01-01"),
    ("2025-01-28", "2025-02-04"),
    ("2025-04-04", "2025-04-04"),
    ("2025-05-01", "2025-05-05"),
    ("2025-06-02", "2025-06-02"),
    ("2025-10-01", "2025-10-08"),
    ("2026-01-01", "2026-01-02"),
    ("2026-02-16", "2026-02-23"),
    ("2026-04-06", "2026-04-06"),
    ("2026-05-01", "2026-05-05"),
    ("2026-06-19", "2026-06-19"),
    ("2026-09-25", "2026-09-25"),
    ("2026-10-01", "2026-10-07"),
)


def day_number(d: date | str) -> int:
    """Days since 1970-01-01.

    >>> day_number("1970-01-02")
    1
    """
    if isinstance(d, str):
        d = date.fromisoformat(d)
    return d.toordinal() - date(1970, 1, 1).toordinal()


def to_date(n: int) -> date:
    """The inverse of day_number."""
    return date.fromordinal(int(n) + date(1970, 1, 1).toordinal())


def _holiday_days() -> np.ndarray:
    spans = [np.arange(day_number(a), day_number(b) + 1) for a, b in _CLOSURES]
    return np.concatenate(spans).astype(np.int32)


HOLIDAYS: frozenset[date] = frozenset(to_date(n) for n in _holiday_days())


def _all_days() -> np.ndarray:
    return np.arange(day_number(CALENDAR_START), day_number(CALENDAR_END) + 1, dtype=np.int32)


def _is_open(days: np.ndarray) -> np.ndarray:
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return (weekday < 5) & ~np.isin(days, _holiday_days())


def open_days(start: date | str = CALENDAR_START, end: date | str = CALENDAR_END) -> np.ndarray:
    """The open days in [start, end] as day numbers, ascending."""
    days = _all_days()
    days = days[(days >= day_number(start)) & (days <= day_number(end))]
    return days[_is_open(days)]


def calendar_frame() -> dict[str, np.ndarray]:
    """The trade_calendar rows: every calendar day with is_open and the previous open day."""
    days = _all_days()
    is_open = _is_open(days)
    opens = np.concatenate(([day_number(_OPEN_DAY_BEFORE_START)], days[is_open]))
    # The previous open day strictly before each day: the last open day at index < position.
    pos = np.searchsorted(opens, days, side="left") - 1
    return {"cal_date": days, "is_open": is_open, "pretrade_date": opens[pos].astype(np.int32)}
