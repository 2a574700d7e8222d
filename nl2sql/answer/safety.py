"""Answer safety: every number in a sentence must come from the result rows.

A wrong figure read on air is the worst failure of a broadcast, so the sentence is checked
against what it was built from. A number in the text is supported when some source value
equals it after the transforms speech applies: 万/亿 (thousand/million/billion) scaling,
rounding to the digits shown, dropping the sign (涨/跌 say it), a date read as its year,
month and day. Sources are the result cells (numbers, dates, and digits inside text cells
such as 沪深300), row counts and positions, and the context the caller declares (the as-of date,
the query's filter values, the shown-row count).

>>> unsupported_numbers("收盘价为1994.78元，成交额12.35亿元。", [(1994.78, 1234567890)])
[]
>>> unsupported_numbers("收盘价为1994.79元。", [(1994.78,)])
['1994.79']
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

__all__ = ["source_numbers", "unsupported_numbers"]

_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(万亿|亿|万|trillion|billion|million|thousand)?")
_SCALES = {None: 1, "万": 10**4, "亿": 10**8, "万亿": 10**12, "thousand": 10**3,
           "million": 10**6, "billion": 10**9, "trillion": 10**12}
_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def source_numbers(values: Iterable[Any]) -> set[Decimal]:
    """The absolute numbers a sentence may read from these values."""
    out: set[Decimal] = set()
    for v in values:
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, dt.date):
            out |= {Decimal(v.year), Decimal(v.month), Decimal(v.day)}
        elif isinstance(v, int | float | Decimal):
            out.add(abs(Decimal(str(v))))
        else:
            out |= {Decimal(m) for m in _DIGITS.findall(str(v))}
    return out


def _supported(shown: Decimal, scale: int, sources: set[Decimal]) -> bool:
    exponent = shown.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    slack = Decimal(5).scaleb(-decimals - 1) * scale  # half of the last digit shown
    target = shown * scale
    return any(abs(target - s) <= slack for s in sources)


def unsupported_numbers(text: str, rows: Sequence[Sequence[Any]], *,
                        context: Iterable[Any] = ()) -> list[str]:
    """The numbers of `text` that no row value (or declared context value) explains."""
    sources = source_numbers(v for row in rows for v in row)
    # counts and positions of rows ("共5条，前3条为")
    sources |= source_numbers(context) | {Decimal(n) for n in range(1, len(rows) + 1)}
    return [m.group(0).strip() for m in _NUMBER.finditer(text)
            if not _supported(Decimal(m.group(1)), _SCALES[m.group(2)], sources)]
