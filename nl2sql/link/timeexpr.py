"""Time expressions resolved against an as-of date and the exchange's trading calendar.

今天, 上个交易日, 最近5个交易日, 本周, 上月, 今年以来, 上季度, 近一年, 2024年3月, 三月五号,
2024Q1 and their English equivalents become inclusive [low, high] date ranges. Trading-day
expressions count open days; calendar expressions count calendar days. Periods that contain
the as-of date and are named relative to it (本周, 本月, 今年, this quarter) end at the as-of
date; periods named explicitly (2026年11月, 十一月) keep their calendar end.

Conventions worth knowing:
- 上个交易日 / last trading day: the last open day strictly before as_of.
- 最近N个交易日 / last N trading days: the N open days ending at the last open day <= as_of.
- 近N天/周/个月/年, past N days/weeks/months/years: N periods ending at as_of, inclusive,
  starting the day after as_of minus the period (近一年 from 2026-11-24 is 2025-11-25..).
- A year-less date (三月五号, March 5) is in as_of's year, or the year before when that date
  comes after as_of.
- A single calendar day on which the market was closed has on_closed_day=True, so the answer
  can say so instead of showing no rows.

Text may be raw or already passed through spoken.normalize_spoken (近一年 or 近1年 alike).

>>> from datetime import date, timedelta
>>> days = [date(2026, 11, 16) + timedelta(n) for n in range(9) if n not in (5, 6)]
>>> [(s.phrase, str(s.low), str(s.high)) for s in resolve_times(
...     "上个交易日和最近3个交易日", as_of=date(2026, 11, 24), open_days=days)]
[('上个交易日', '2026-11-23', '2026-11-23'), ('最近3个交易日', '2026-11-20', '2026-11-24')]
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from nl2sql.errors import InputError, LinkError
from nl2sql.link.spoken import fold_width, parse_en_number, parse_zh_number

__all__ = ["KINDS", "TimeSpan", "TradingCalendar", "resolve_times"]

KINDS = ("day", "days", "week", "month", "quarter", "year", "ytd", "range")


@dataclass(frozen=True)
class TimeSpan:
    low: date
    high: date  # inclusive
    start: int  # character offsets in the text given to resolve_times
    end: int
    kind: str  # one of KINDS
    phrase: str
    on_closed_day: bool = False  # a single calendar day on which the market did not open


class TradingCalendar:
    """Sorted open days with the look-ups the resolver needs; build once, reuse per question."""

    def __init__(self, open_days: Sequence[date]) -> None:
        days = list(open_days)
        if any(not isinstance(d, date) for d in days):
            raise InputError("open_days must be datetime.date values")
        if any(a >= b for a, b in zip(days, days[1:], strict=False)):
            raise InputError("open_days must be sorted ascending without duplicates")
        self.days = days
        self._set = frozenset(days)

    def is_closed(self, day: date) -> bool:
        """True only when the calendar covers the day and the market did not open on it."""
        return bool(self.days) and self.days[0] <= day <= self.days[-1] + timedelta(7) \
            and day not in self._set

    def last_open(self, as_of: date, *, before: bool = False) -> int:
        """Index of the last open day <= as_of (< as_of when before)."""
        i = (bisect.bisect_left if before else bisect.bisect_right)(self.days, as_of) - 1
        if i < 0:
            raise LinkError(f"the trading calendar has no open day before {as_of}",
                            calendar_start=str(self.days[0]) if self.days else None)
        if as_of - self.days[i] > timedelta(14):
            raise LinkError(f"the trading calendar ends at {self.days[i]} and does not cover "
                            f"{as_of}", calendar_end=str(self.days[-1]))
        return i


@dataclass(frozen=True)
class _Ctx:
    as_of: date
    cal: TradingCalendar
    year: int | None = None  # the year a year-less date takes (set inside "2024年1月到3月")


Bounds = tuple[date, date, str]
Handler = Callable[[re.Match[str], _Ctx], Bounds | None]


# --- numbers and calendar arithmetic -------------------------------------------------------

def _int(text: str | None) -> int | None:
    if not text:
        return None
    text = text.strip()
    value = text if text.isdigit() else (parse_zh_number(text) or parse_en_number(text))
    if value is None or not value.isdigit():
        return None
    return int(value)


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _minus_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _quarter(y: int, q: int) -> tuple[date, date]:
    return date(y, 3 * q - 2, 1), _month_end(y, 3 * q)


def _monday(d: date) -> date:
    return d - timedelta(d.weekday())


def _safe(make: Callable[[], Bounds]) -> Bounds | None:
    try:
        return make()
    except ValueError:
        return None  # 2月30日 is not a date; leave the words to the rest of the linker


def _infer_year(ctx: _Ctx, first_day: date) -> int:
    """A year-less date: as_of's year, or the year before when it would start after as_of."""
    if ctx.year is not None:
        return ctx.year
    return first_day.year if first_day <= ctx.as_of else first_day.year - 1


# --- handlers ------------------------------------------------------------------------------

def _day_offset(days: int) -> Handler:
    def handle(m: re.Match[str], ctx: _Ctx) -> Bounds:
        d = ctx.as_of - timedelta(days)
        return d, d, "day"
    return handle


def _n_days_ago(m: re.Match[str], ctx: _Ctx) -> Bounds | None:
    n = _int(m.group("n"))
    if n is None:
        return None
    d = ctx.as_of - timedelta(n)
    return d, d, "day"


def _previous_open(m: re.Match[str], ctx: _Ctx) -> Bounds:
    d = ctx.cal.days[ctx.cal.last_open(ctx.as_of, before=True)]
    return d, d, "day"


def _latest_open(m: re.Match[str], ctx: _Ctx) -> Bounds:
    d = ctx.cal.days[ctx.cal.last_open(ctx.as_of)]
    return d, d, "day"


def _open_days_ago(m: re.Match[str], ctx: _Ctx) -> Bounds | None:
    n = _int(m.group("n"))
    if not n:
        return None
    i = ctx.cal.last_open(ctx.as_of, before=True) - (n - 1)
    if i < 0:
        raise LinkError(f"the trading calendar has fewer than {n} open days before {ctx.as_of}")
    d = ctx.cal.days[i]
    return d, d, "day"


def _last_open_days(m: re.Match[str], ctx: _Ctx) -> Bounds | None:
    n = _int(m.group("n"))
    if not n:
        return None
    i = ctx.cal.last_open(ctx.as_of)
    if i - n + 1 < 0:
        raise LinkError(f"the trading calendar has only {i + 1} open days up to {ctx.as_of}",
                        asked=n)
    return ctx.cal.days[i - n + 1], ctx.cal.days[i], "days"


_UNIT_ZH = {"天": "d", "日": "d", "周": "w", "星期": "w", "礼拜": "w", "月": "m", "季度": "q",
            "年": "y"}
_UNIT_EN = {"day": "d", "week": "w", "month": "m", "year": "y"}


def _rolling(m: re.Match[str], ctx: _Ctx) -> Bounds | None:
    """近N天/周/月/年, past N days: N periods ending at as_of."""
    g = m.groupdict()
    n = 6 if g.get("half") else (_int(g.get("n")) if g.get("n") else 1)
    unit = "m" if g.get("half") else _unit(g["u"])
    if not n or unit is None:
        return None
    d = ctx.as_of
    start = {"d": lambda: d - timedelta(n - 1),
             "w": lambda: d - timedelta(7 * n - 1),
             "m": lambda: _minus_months(d, n) + timedelta(1),
             "q": lambda: _minus_months(d, 3 * n) + timedelta(1),
             "y": lambda: _minus_months(d, 12 * n) + timedelta(1)}[unit]()
    return start, d, "days" if unit == "d" else "range"


def _unit(word: str) -> str | None:
    word = word.replace("个", "").strip().rstrip("s")
    return _UNIT_ZH.get(word) or _UNIT_EN.get(word)


def _this(period: str) -> Handler:
    """本周/本月/本季度/今年 (and ytd): from the period's first day to as_of."""
    def handle(m: re.Match[str], ctx: _Ctx) -> Bounds:
        d = ctx.as_of
        first = {"week": lambda: _monday(d), "month": lambda: d.replace(day=1),
                 "quarter": lambda: _quarter(d.year, (d.month - 1) // 3 + 1)[0],
                 "year": lambda: date(d.year, 1, 1), "ytd": lambda: date(d.year, 1, 1)}[period]()
        return first, d, period
    return handle


def _previous(period: str, steps: int = 1) -> Handler:
    """上周/上月/上季度/去年/前年: the whole period before the current one."""
    def handle(m: re.Match[str], ctx: _Ctx) -> Bounds:
        d = ctx.as_of
        if period == "week":
            monday = _monday(d) - timedelta(7 * steps)
            return monday, monday + timedelta(6), "week"
        if period == "month":
            first = _minus_months(d.replace(day=1), steps)
            return first, _month_end(first.year, first.month), "month"
        if period == "quarter":
            q = (d.year * 4 + (d.month - 1) // 3) - steps
            return (*_quarter(q // 4, q % 4 + 1), "quarter")
        return date(d.year - steps, 1, 1), date(d.year - steps, 12, 31), "year"
    return handle


def _half(m: re.Match[str], ctx: _Ctx) -> Bounds | None:
    y = _int(m.groupdict().get("y"))
    first_half = m.group("h") in ("上", "first", "1st")
    year = y if y is not None else _infer_year(ctx, date(ctx.as_of.year, 1 if first_half else 7, 1))
    if first_half:
        return date(year, 1, 1), date(year, 6, 30), "range"
    return date(year, 7, 1), date(year, 12, 31), "range"


_MONTHS_EN = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS_EN |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS_EN["sept"] = 9
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4}


def _month_of(g: dict[str, str | None]) -> int | None:
    if g.get("mn"):
        return _MONTHS_EN[g["mn"].rstrip(".")]  # type: ignore[union-attr]
    return _int(g.get("m"))


def _date(m: re.Match[str], ctx: _Ctx) -> Bounds | None:
    g = m.groupdict()
    month, day, year = _month_of(g), _int(g.get("d")), _int(g.get("y"))
    if month is None or day is None or not 1 <= month <= 12:
        return None
    if year is None:
        last = calendar.monthrange(ctx.as_of.year, month)[1]
        year = _infer_year(ctx, date(ctx.as_of.year, month, min(day, last)))
    return _safe(lambda: (date(year, month, day), date(year, month, day), "day"))


def _month(m: re.Match[str], ctx: _Ctx) -> Bounds | None:
    g = m.groupdict()
    month, year = _month_of(g), _int(g.get("y"))
    if month is None or not 1 <= month <= 12:
        return None
    if year is None:
        year = _infer_year(ctx, date(ctx.as_of.year, month, 1))
    return date(year, month, 1), _month_end(year, month), "month"


def _quarter_of(m: re.Match[str], ctx: _Ctx) -> Bounds | None:
    g = m.groupdict()
    q = _ORDINALS.get(g["q"]) if g["q"] in _ORDINALS else _int(g["q"])
    year = _int(g.get("y"))
    if q is None or not 1 <= q <= 4:
        return None
    if year is None:
        year = _infer_year(ctx, _quarter(ctx.as_of.year, q)[0])
    return (*_quarter(year, q), "quarter")


def _year(m: re.Match[str], ctx: _Ctx) -> Bounds | None:
    y = _int(m.group("y"))
    if y is None or not 1900 <= y <= 2100:
        return None
    return date(y, 1, 1), date(y, 12, 31), "year"


# --- patterns ------------------------------------------------------------------------------

_ZH_DIGIT = "零〇一二两三四五六七八九"
_N_ZH = rf"(?P<n>\d+|[{_ZH_DIGIT}十百]+)"
_EN_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
             "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
             "seventy|eighty|ninety|hundred")
_N_EN = rf"(?P<n>\d+|(?:{_EN_WORDS})(?:[\s-]+(?:{_EN_WORDS}))*)"
_Y = r"(?P<y>(?:19|20)\d\d|[零〇一二三四五六七八九]{4})"
_M = r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_D = r"(?P<d>3[01]|[12]\d|0?[1-9]|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_Q = r"(?P<q>[1-4一二三四])"
_MON = "(?P<mn>" + "|".join(sorted(_MONTHS_EN, key=len, reverse=True)) + r")\.?"
_MON_NO_MAY = "(?P<mn>" + "|".join(sorted((k for k in _MONTHS_EN if k != "may"), key=len,
                                          reverse=True)) + r")\.?"
_ONE = "[一1]"
_B = r"(?<![a-z])"  # an English word boundary that also holds next to CJK characters
_E = r"(?![a-z])"


def _words(*phrases: str) -> str:
    return "(?:" + "|".join(sorted(phrases, key=len, reverse=True)) + ")"


_RULES: tuple[tuple[str, Handler], ...] = (
    # explicit dates, most specific first
    (r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)", _date),
    (rf"{_Y}\s*年\s*{_M}\s*月份?\s*{_D}\s*[日号]", _date),
    (rf"{_Y}\s*年\s*{_M}\s*月份?", _month),
    (rf"{_Y}\s*年\s*(?:的)?(?:第\s*)?{_Q}\s*(?:个)?季度", _quarter_of),
    (rf"{_Y}\s*年?\s*q(?P<q>[1-4]){_E}", _quarter_of),
    (rf"{_B}q(?P<q>[1-4])\s*,?\s*(?P<y>(?:19|20)\d\d)(?!\d)", _quarter_of),
    (rf"{_Y}\s*年\s*(?P<h>上|下)半年", _half),
    (rf"{_Y}\s*年(?:度|全年)?", _year),
    (rf"(?<![\d年{_ZH_DIGIT}十]){_M}\s*月份?\s*{_D}\s*[日号]", _date),
    (rf"(?<![\d年个近去前后{_ZH_DIGIT}十]){_M}\s*月份?(?![\d{_ZH_DIGIT}十])", _month),
    (rf"(?<![\d年近去个上前{_ZH_DIGIT}十])(?:第\s*)?{_Q}\s*季度", _quarter_of),
    (rf"{_B}q(?P<q>[1-4]){_E}", _quarter_of),
    (r"(?P<h>上|下)半年", _half),
    # relative days
    (_words("今天", "今日"), _day_offset(0)),
    (_words("昨天", "昨日"), _day_offset(1)),
    ("前天", _day_offset(2)),
    ("大前天", _day_offset(3)),
    (rf"{_N_ZH}\s*天\s*(?:之|以)?前", _n_days_ago),
    (rf"(?:上|前)(?:{_ONE}\s*个?|个)\s*交易日", _previous_open),
    (rf"(?:最近|最新|最后)\s*(?:{_ONE}\s*个)?\s*交易日|当前交易日", _latest_open),
    (rf"(?:最近|近|过去)\s*{_N_ZH}\s*个?\s*交易日", _last_open_days),
    (rf"{_N_ZH}\s*个?\s*交易日\s*(?:之|以)?前", _open_days_ago),
    (rf"(?:最近|近|过去)\s*{_N_ZH}\s*(?P<u>个月|个?季度|个?星期|个?礼拜|周|年|天|日|月)",
     _rolling),
    (r"(?:最近|近|过去)\s*(?P<half>半)\s*年", _rolling),
    # relative periods
    (_words("本周", "这周", "这一周", "这1周", "本星期", "这星期", "这个星期", "本礼拜",
            "这礼拜", "这个礼拜"), _this("week")),
    (_words("上周", "上一周", "上1周", "上个星期", "上星期", "上一个星期", "上个礼拜", "上礼拜"),
     _previous("week")),
    (_words("本月", "这个月", "这月", "当月", "本月份"), _this("month")),
    (_words("上月", "上个月", "上一个月", "上一月", "上1个月", "上1月", "上月份"),
     _previous("month")),
    (_words("本季度", "这个季度", "这季度", "当季", "本季"), _this("quarter")),
    (_words("上季度", "上个季度", "上一季度", "上一个季度", "上季", "上1季度", "上1个季度"),
     _previous("quarter")),
    (_words("今年以来", "年初至今", "年初以来", "本年以来", "今年迄今", "年初到现在", "年初到今天"),
     _this("ytd")),
    (_words("今年", "本年", "本年度", "今年度"), _this("year")),
    (_words("去年", "上年", "上一年", "上1年", "上年度", "上一年度", "去年全年"), _previous("year")),
    ("前年", _previous("year", 2)),
    # English
    (rf"{_B}today{_E}", _day_offset(0)),
    (rf"{_B}(?:the\s+)?day\s+before\s+yesterday{_E}", _day_offset(2)),
    (rf"{_B}yesterday{_E}", _day_offset(1)),
    (rf"{_B}{_N_EN}\s+(?:calendar\s+)?days?\s+ago{_E}", _n_days_ago),
    (rf"{_B}(?:the\s+)?(?:last|previous|prior|preceding)\s+trading\s+(?:day|session){_E}",
     _previous_open),
    (rf"{_B}(?:the\s+)?(?:latest|most\s+recent|current)\s+trading\s+(?:day|session){_E}",
     _latest_open),
    (rf"{_B}(?:the\s+)?(?:last|past|previous|recent|trailing)\s+{_N_EN}\s+trading\s+"
     rf"(?:days?|sessions?){_E}", _last_open_days),
    (rf"{_B}{_N_EN}\s+trading\s+(?:days?|sessions?)\s+ago{_E}", _open_days_ago),
    (rf"{_B}(?:the\s+)?(?:last|past|previous|trailing)\s+{_N_EN}\s+"
     rf"(?P<u>days?|weeks?|months?|years?){_E}", _rolling),
    (rf"{_B}(?:the\s+)?(?:past|trailing)\s+(?P<u>day|week|month|year){_E}", _rolling),
    (rf"{_B}(?:the\s+)?(?:past|last|trailing)\s+(?P<half>half)[\s-]+year{_E}", _rolling),
    (rf"{_B}this\s+week{_E}", _this("week")),
    (rf"{_B}(?:last|previous|the\s+prior)\s+week{_E}", _previous("week")),
    (rf"{_B}this\s+month{_E}", _this("month")),
    (rf"{_B}(?:last|previous|the\s+prior)\s+month{_E}", _previous("month")),
    (rf"{_B}this\s+quarter{_E}", _this("quarter")),
    (rf"{_B}(?:last|previous|the\s+prior)\s+quarter{_E}", _previous("quarter")),
    (rf"{_B}(?:year[\s-]+to[\s-]+date|ytd|so\s+far\s+this\s+year|since\s+the\s+(?:start|"
     rf"beginning)\s+of\s+(?:the|this)\s+year){_E}", _this("ytd")),
    (rf"{_B}this\s+year{_E}", _this("year")),
    (rf"{_B}(?:last|previous|the\s+prior)\s+year{_E}", _previous("year")),
    (rf"{_B}{_MON}\s+(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?:,?\s+(?P<y>(?:19|20)\d\d))?"
     rf"(?![\d:])", _date),
    (rf"{_B}(?:the\s+)?(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON}"
     rf"(?:,?\s+(?P<y>(?:19|20)\d\d))?{_E}", _date),
    (rf"{_B}{_MON},?\s+(?:of\s+)?(?P<y>(?:19|20)\d\d)(?!\d)", _month),
    (rf"{_B}(?:in|during|for|since|of|to|until|till|through)\s+{_MON}{_E}", _month),
    (rf"{_B}{_MON_NO_MAY}{_E}", _month),
    (rf"{_B}(?:the\s+)?(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter"
     rf"(?:\s+of)?(?:\s+(?P<y>(?:19|20)\d\d))?{_E}", _quarter_of),
    (rf"{_B}(?:the\s+)?(?P<h>first|second|1st|2nd)\s+half(?:\s+of)?(?:\s+(?P<y>(?:19|20)\d\d))?"
     rf"{_E}", _half),
    (rf"{_B}(?:in|during|for|of|since|throughout)\s+(?:the\s+year\s+)?(?P<y>(?:19|20)\d\d)(?!\d)",
     _year),
)
_COMPILED = tuple((re.compile(p), h) for p, h in _RULES)
# Spans joined into one range: 从3月到5月, 2024年1月至3月, from March to May, between X and Y.
_JOIN = re.compile(r"\s*(?:到|至|~|～|—|-|to|through|until|and)\s*")
_BETWEEN = re.compile(r"(?:between|from|从|自)\s*$")
_LEAD = re.compile(r"(?:to|until|till|through)\s+")
_SINCE_AFTER = re.compile(r"\s*(?:以来|至今|迄今|到现在|到今天)")
_SINCE_BEFORE = re.compile(r"(?:since|自从|自)\s*$")


@dataclass(frozen=True)
class _Found:
    start: int
    end: int
    low: date
    high: date
    kind: str
    rule: int
    year_free: bool  # no year written: a range's second end takes the first end's year


def _prep(text: str) -> str:
    """Half-width, lower case, one character for one so offsets stay valid."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in fold_width(text))


def _candidates(text: str, ctx: _Ctx) -> list[_Found]:
    found = []
    for rule, (pattern, handler) in enumerate(_COMPILED):
        for m in pattern.finditer(text):
            try:
                bounds = handler(m, ctx)
            except (ValueError, OverflowError):
                continue  # 近100000年 reaches past year 1: not a period the data can have
            if bounds is not None:
                year_free = "y" not in m.re.groupindex or m.group("y") is None
                found.append(_Found(m.start(), m.end(), *bounds, rule, year_free))
    return found


def _choose(found: list[_Found]) -> list[_Found]:
    """Non-overlapping mentions: longest first, then the earlier (more specific) rule."""
    chosen: list[_Found] = []
    for f in sorted(found, key=lambda f: (f.start - f.end, f.rule, f.start)):
        if all(f.end <= c.start or c.end <= f.start for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


def _join(text: str, spans: list[_Found], ctx: _Ctx) -> list[_Found]:
    """X到Y / from X to Y as one range; X以来 / since X as X up to as_of."""
    out: list[_Found] = []
    for f in spans:
        prev = out[-1] if out else None
        if prev is not None and f.low >= prev.low and _joined(text, prev, f):
            opener = _BETWEEN.search(text, 0, prev.start)
            out[-1] = replace(prev, start=opener.start() if opener else prev.start, end=f.end,
                              high=max(prev.high, _with_year(text, f, prev, ctx).high),
                              kind="range")
            continue
        out.append(f)
    return [_since(text, f, ctx) for f in out]


def _joined(text: str, prev: _Found, f: _Found) -> bool:
    gap = text[prev.end:f.start]
    if not gap.strip() and _LEAD.match(text, f.start):
        return True  # "from March to May": the rule for May took "to" with it
    joint = _JOIN.fullmatch(gap)
    return joint is not None and ("and" not in joint.group()
                                  or _BETWEEN.search(text, 0, prev.start) is not None)


def _with_year(text: str, f: _Found, prev: _Found, ctx: _Ctx) -> _Found:
    """The second end of "2024年1月到3月" takes the first end's year."""
    if not f.year_free or prev.year_free:
        return f
    pattern, handler = _COMPILED[f.rule]
    m = pattern.match(text, f.start, f.end)
    redo = handler(m, replace(ctx, year=prev.low.year)) if m else None
    return f if redo is None else replace(f, low=redo[0], high=redo[1])


def _since(text: str, f: _Found, ctx: _Ctx) -> _Found:
    after = _SINCE_AFTER.match(text, f.end)
    before = _SINCE_BEFORE.search(text, 0, f.start)
    inside = text.startswith("since", f.start)
    if (after or before or inside) and f.low <= ctx.as_of and f.kind != "ytd":
        return replace(f, start=before.start() if before else f.start,
                       end=after.end() if after else f.end, high=ctx.as_of, kind="range")
    return f


def resolve_times(text: str, *, as_of: date,
                  open_days: Sequence[date] | TradingCalendar) -> list[TimeSpan]:
    """Every time expression in text as an inclusive date range, in reading order.

    Raises InputError for a bad as_of or calendar, LinkError when a trading-day expression
    falls outside the calendar.
    """
    if not isinstance(text, str):
        raise InputError("question text must be a string", got=type(text).__name__)
    if not isinstance(as_of, date):
        raise InputError("as_of must be a datetime.date", got=type(as_of).__name__)
    cal = open_days if isinstance(open_days, TradingCalendar) else TradingCalendar(open_days)
    ctx = _Ctx(as_of, cal)
    prepared = _prep(text)
    spans = _join(prepared, _choose(_candidates(prepared, ctx)), ctx)
    return [TimeSpan(f.low, f.high, f.start, f.end, f.kind, text[f.start:f.end],
                     f.kind == "day" and cal.is_closed(f.low)) for f in spans]
