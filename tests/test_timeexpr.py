"""Time expressions over the demo trading calendar: the fixture table must pass 100%."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from nl2sql.demo import AS_OF_DATE
from nl2sql.demo.trading_calendar import HOLIDAYS, open_days, to_date
from nl2sql.errors import InputError, LinkError
from nl2sql.link.spoken import normalize_spoken
from nl2sql.link.timeexpr import KINDS, TimeSpan, TradingCalendar, resolve_times
from nl2sql.text import has_cjk

FIXTURE = Path(__file__).parent / "fixtures" / "time_expressions.jsonl"
ROWS = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()
        if line.strip()]
CAL = TradingCalendar([to_date(n) for n in open_days()])


def _as_of(row: dict) -> date:
    return date.fromisoformat(row.get("as_of", "2026-11-24"))


def _one(text: str, as_of: date = AS_OF_DATE) -> TimeSpan:
    spans = resolve_times(text, as_of=as_of, open_days=CAL)
    assert len(spans) == 1, (text, spans)
    return spans[0]


def test_fixture_is_big_enough_and_bilingual() -> None:
    assert len(ROWS) >= 100
    assert sum(has_cjk(r["text"]) for r in ROWS) >= 50
    assert sum(not has_cjk(r["text"]) for r in ROWS) >= 40
    assert date(2026, 11, 24) == AS_OF_DATE and AS_OF_DATE.weekday() == 1  # a Tuesday


@pytest.mark.parametrize("row", ROWS, ids=[r["text"] for r in ROWS])
def test_time_expression_table(row: dict) -> None:
    span = _one(row["text"], _as_of(row))
    assert (str(span.low), str(span.high)) == (row["low"], row["high"])
    assert span.kind == row["kind"] and span.kind in KINDS
    assert span.on_closed_day is row.get("closed", False)
    assert row["text"][span.start:span.end] == span.phrase
    if "phrase" in row:
        assert span.phrase == row["phrase"]


@pytest.mark.parametrize("row", [r for r in ROWS if has_cjk(r["text"])],
                         ids=[r["text"] for r in ROWS if has_cjk(r["text"])])
def test_spoken_numbers_rewritten_first_resolve_the_same(row: dict) -> None:
    # The lead may run normalize_spoken before the resolver: 近一年 becomes 近1年, 三月五号 3月5号.
    span = _one(normalize_spoken(row["text"]), _as_of(row))
    assert (str(span.low), str(span.high)) == (row["low"], row["high"])


def test_trading_day_expressions_land_on_open_days() -> None:
    for text in ("上个交易日", "最近7个交易日", "last 12 trading days", "4个交易日前"):
        span = _one(text)
        assert span.low in CAL.days and span.high in CAL.days
    span = _one("最近20个交易日")
    assert CAL.days.index(span.high) - CAL.days.index(span.low) == 19


def test_closed_today_is_flagged_on_every_closed_day_of_a_holiday_week() -> None:
    golden_week = [date(2026, 10, 1) + timedelta(n) for n in range(7)]
    assert all(d in HOLIDAYS for d in golden_week)
    for d in golden_week:
        today = _one("今天收盘价是多少", d)
        assert today.on_closed_day and today.low == today.high == d
        assert _one("上个交易日", d).low == date(2026, 9, 30)
    assert not _one("today", AS_OF_DATE).on_closed_day


def test_several_expressions_in_reading_order() -> None:
    spans = resolve_times("对比上周和本周的成交额，以及去年同期", as_of=AS_OF_DATE, open_days=CAL)
    assert [s.phrase for s in spans] == ["上周", "本周", "去年"]
    assert spans[0].high + timedelta(1) == spans[1].low
    spans = resolve_times("compare last week and this week", as_of=AS_OF_DATE, open_days=CAL)
    assert [s.kind for s in spans] == ["week", "week"]  # "and" joins only after "between"


@pytest.mark.parametrize("text", [
    "贵州茅台的收盘价是多少", "成交额前十的股票", "三一重工和五粮液", "600519.SH 的市值",
    "May I see the close of Moutai", "市盈率最高的股票", "PE大于30的银行股", "",
])
def test_no_time_expression(text: str) -> None:
    assert resolve_times(text, as_of=AS_OF_DATE, open_days=CAL) == []


def test_full_width_and_case_do_not_move_offsets() -> None:
    text = "ＹＴＤ涨幅和最近５个交易日"
    spans = resolve_times(text, as_of=AS_OF_DATE, open_days=CAL)
    assert [text[s.start:s.end] for s in spans] == ["ＹＴＤ", "最近５个交易日"]
    assert spans[1].kind == "days" and spans[1].low == date(2026, 11, 18)


def test_invalid_dates_are_left_alone() -> None:
    for text in ("2月30日的收盘价", "2024-13-01", "近100000年", "99999999天前"):
        assert resolve_times(text, as_of=AS_OF_DATE, open_days=CAL) == [], text


def test_bad_inputs_raise_typed_errors() -> None:
    with pytest.raises(InputError):
        resolve_times("今天", as_of="2026-11-24", open_days=CAL)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        resolve_times("今天", as_of=AS_OF_DATE, open_days=[date(2026, 1, 5), date(2026, 1, 2)])
    with pytest.raises(InputError):
        resolve_times(None, as_of=AS_OF_DATE, open_days=CAL)  # type: ignore[arg-type]


def test_trading_days_outside_the_calendar_raise_link_error() -> None:
    with pytest.raises(LinkError):
        resolve_times("上个交易日", as_of=AS_OF_DATE, open_days=[])
    with pytest.raises(LinkError):
        resolve_times("最近5000个交易日", as_of=AS_OF_DATE, open_days=CAL)
    with pytest.raises(LinkError):  # the demo calendar ends with 2026
        resolve_times("上个交易日", as_of=date(2027, 6, 1), open_days=CAL)
    # calendar-day expressions need no calendar
    assert _one("本月", date(2027, 6, 15)).low == date(2027, 6, 1)
