"""The answer sentence for text-to-speech: amounts in 万/亿, 涨/跌, units, the data's date.

Every figure comes from the result rows (see safety.py, which checks it): values are only
scaled (万/亿, thousand/million), rounded, and given the unit their column's comment names.
A long result is summarized as its row count and its first rows, within a length bound.

>>> from nl2sql.answer.columns import ColumnSpec
>>> speak((ColumnSpec("收盘价", "元"),), [(1994.78,)], lang="zh", context=Context(subject="贵州茅台"))
'贵州茅台收盘价为1994.78元。'
>>> speak((ColumnSpec("涨跌幅", "%", change=True),), [(-1.0116,)], lang="zh")
'下跌1.01%。'
>>> speak((ColumnSpec("Turnover amount", "元"),), [(1234567890,)], lang="en")
'Turnover amount is 1.23 billion yuan.'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from nl2sql.answer.columns import ColumnSpec
from nl2sql.answer.render import format_value
from nl2sql.link.spoken import format_amount

__all__ = ["Context", "date_phrase", "speak", "speak_value"]

_SCALE_FROM = Decimal(100_000)  # amounts from 10万 up are read in 万/亿
_EN_UNITS = {"元": " yuan", "手": " lots", "股": " shares", "点": " points", "%": "%",
             "万股": " (10k shares)", "岁": " years"}
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Context:
    """What the sentence says besides the rows: whose figures, of which day, and why."""

    subject: str = ""              # the entity the question filtered on (贵州茅台)
    day: dt.date | None = None     # the single trading day the figures are of
    as_of: dt.date | None = None   # else: the figures are as of this date
    closed: bool = False           # the day (or as_of) is not a trading day
    assumption: str = ""           # the option taken for an ambiguous mention


def date_phrase(d: dt.date, lang: str) -> str:
    """A day as read aloud.

    >>> date_phrase(dt.date(2026, 11, 24), "zh"), date_phrase(dt.date(2026, 11, 24), "en")
    ('2026年11月24日', 'Nov 24, 2026')
    """
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else \
        f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"


def speak_value(v: Any, spec: ColumnSpec, lang: str) -> str:
    """One value as read aloud, with its unit; changes without their sign (see _change)."""
    if isinstance(v, dt.date):
        return date_phrase(v, lang)
    if isinstance(v, bool) or not isinstance(v, int | float | Decimal) or spec.kind == "count" \
            or not _finite(v):
        return format_value(v)
    number = Decimal(str(v)) if isinstance(v, float) else Decimal(v)
    unit = spec.unit if lang == "zh" else _EN_UNITS.get(spec.unit, f" {spec.unit}".rstrip())
    if abs(number) >= _SCALE_FROM and spec.unit not in ("%", "点") \
            and not spec.unit.startswith("万"):
        return format_amount(number, lang) + unit
    rounded = _rounded(number, spec.unit)
    return (format(rounded.normalize(), "f") if rounded else "0") + unit


def _rounded(number: Decimal, unit: str) -> Decimal:
    """Two decimals; four for small non-percent values (a fund's NAV of 1.2345元)."""
    digits = 4 if abs(number) < 10 and unit != "%" else 2
    return number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _finite(v: int | float | Decimal) -> bool:
    """NaN and infinities (a float column can hold them) are said as they are, unscaled."""
    return Decimal(str(v)).is_finite() if isinstance(v, float | Decimal) else True


def _change(v: Any, spec: ColumnSpec, lang: str) -> str:
    """涨/跌 with the size of a change: 上涨1.23%, fell 12.3 points."""
    if not isinstance(v, int | float | Decimal) or not _finite(v):
        return format_value(v)
    number = Decimal(str(v))
    if _rounded(number, spec.unit) == 0:
        return "持平" if lang == "zh" else "was flat"
    size = speak_value(abs(number), spec, lang)
    if lang == "zh":
        return ("上涨" if number > 0 else "下跌") + size
    return ("rose " if number > 0 else "fell ") + size


def _pair(label: str, v: Any, spec: ColumnSpec, lang: str, *, item: bool = False) -> str:
    if spec.change and isinstance(v, int | float | Decimal) and not isinstance(v, bool):
        return _change(v, spec, lang)
    value = speak_value(v, spec, lang)
    if lang == "zh":
        return f"{label}{value}" if item else f"{label}为{value}"
    return f"{label} {value}" if item else f"{label} is {value}"


def _opening(ctx: Context, lang: str) -> str:
    zh = lang == "zh"
    out = ""
    if ctx.assumption:
        out += f"按{ctx.assumption}理解：" if zh else f"Taking it as {ctx.assumption}: "
    if ctx.day is not None:
        out += f"{date_phrase(ctx.day, lang)}，" if zh else f"On {date_phrase(ctx.day, lang)}, "
    elif ctx.as_of is not None:
        if ctx.closed:
            out += (f"{date_phrase(ctx.as_of, lang)}休市，截至最近交易日，" if zh else
                    f"The market is closed on {date_phrase(ctx.as_of, lang)}; as of the last "
                    "trading day, ")
        else:
            out += f"截至{date_phrase(ctx.as_of, lang)}，" if zh else \
                f"As of {date_phrase(ctx.as_of, lang)}, "
    return out


def _row(specs: Sequence[ColumnSpec], row: Sequence[Any], lang: str) -> str:
    names = [format_value(v) for s, v in zip(specs, row, strict=False) if s.kind == "name"]
    values = [_pair(s.label, v, s, lang, item=True)
              for s, v in zip(specs, row, strict=False) if s.kind != "name"]
    if lang == "zh":
        return " ".join(names) + "，".join(values)
    return ", ".join([" ".join(names), *values] if names else values)


def _one_row(specs: Sequence[ColumnSpec], row: Sequence[Any], ctx: Context, lang: str,
             max_chars: int) -> str:
    pairs = [_pair(s.label, v, s, lang) for s, v in zip(specs, row, strict=False)]
    sep, end = ("，", "。") if lang == "zh" else ("; ", ".")
    head = _opening(ctx, lang)
    subject = ctx.subject + ("" if lang == "zh" or not ctx.subject else ": ")
    for keep in range(len(pairs), 0, -1):
        rest = len(pairs) - keep
        tail = (f"{sep}另有{rest}项见表格" if lang == "zh" else f"{sep}{rest} more in the table") \
            if rest else ""
        body = subject + sep.join(pairs[:keep]) + tail
        text = head + (body if lang == "zh" or head else body[:1].upper() + body[1:]) + end
        if len(text) <= max_chars or keep == 1:
            return text
    raise AssertionError("unreachable")  # pragma: no cover


def _many_rows(specs: Sequence[ColumnSpec], rows: Sequence[Sequence[Any]], ctx: Context,
               lang: str, truncated: bool, max_chars: int, max_items: int) -> str:
    zh = lang == "zh"
    head = _opening(ctx, lang) + (ctx.subject + ("" if zh else ": ") if ctx.subject else "")
    n = len(rows)
    count = (f"超过{n}条" if truncated else f"共{n}条") if zh else \
        (f"more than {n} rows" if truncated else f"{n} rows")
    for k in range(min(max_items, n), 0, -1):
        items = [_row(specs, r, lang) for r in rows[:k]]
        lead = (f"，前{k}条为：" if k < n else "：") if zh else \
            (f"; the first {k}: " if k < n else ": ")
        text = head + count + lead + ("；" if zh else "; ").join(items) + ("。" if zh else ".")
        if len(text) <= max_chars:
            return text if zh or head else text[:1].upper() + text[1:]
    text = head + count + ("，详见表格。" if zh else "; see the table.")
    return text if zh or head else text[:1].upper() + text[1:]


def speak(specs: Sequence[ColumnSpec], rows: Sequence[Sequence[Any]], *, lang: str,
          context: Context | None = None, truncated: bool = False, max_chars: int = 200,
          max_items: int = 3) -> str:
    """The sentence: an opening (assumption, date), then one row's values, or the row count
    and the first `max_items` rows; never longer than `max_chars` unless one value is."""
    ctx = context or Context()
    if not rows:
        opening = _opening(ctx, lang)
        if ctx.closed and ctx.day is not None:
            return f"{date_phrase(ctx.day, lang)}休市，没有交易数据。" if lang == "zh" else \
                f"The market was closed on {date_phrase(ctx.day, lang)}; there is no trading data."
        return opening + ("没有查到符合条件的数据。" if lang == "zh" else
                          "no matching rows were found." if opening else
                          "No matching rows were found.")
    if len(rows) == 1:
        return _one_row(specs, rows[0], ctx, lang, max_chars)
    return _many_rows(specs, rows, ctx, lang, truncated, max_chars, max_items)
