"""Answers for speech: 万/亿, 涨/跌, units, dates, length bound, safety, clarification."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from nl2sql.answer import (
    ColumnSpec,
    Context,
    ask_back,
    assume,
    speak,
    unsupported_numbers,
)
from nl2sql.demo import AS_OF_DATE, build_demo
from nl2sql.errors import ClarificationNeeded, Nl2SqlError
from nl2sql.pipeline import Gateway
from nl2sql.settings import load_settings

FIXTURES = Path(__file__).parent / "fixtures"
CLOSE = ColumnSpec("收盘价", "元")
PCT = ColumnSpec("涨跌幅", "%", change=True)
AMOUNT = ColumnSpec("成交额", "元")
NAME = ColumnSpec("股票简称", kind="name")


@pytest.mark.parametrize(("specs", "row", "lang", "expected"), [
    ((CLOSE,), (Decimal("1994.78"),), "zh", "收盘价为1994.78元。"),
    ((PCT,), (-1.0116,), "zh", "下跌1.01%。"),
    ((PCT,), (2.5,), "en", "Rose 2.5%."),
    ((PCT,), (0.001,), "zh", "持平。"),
    ((AMOUNT,), (1234567890,), "zh", "成交额为12.35亿元。"),
    ((AMOUNT,), (56789012,), "en", "成交额 is 56.79 million yuan."),
    ((ColumnSpec("成交量", "手"),), (3191700,), "zh", "成交量为319.17万手。"),
    ((ColumnSpec("单位净值", "元"),), (Decimal("1.23456"),), "zh", "单位净值为1.2346元。"),
    ((ColumnSpec("数量", kind="count"),), (2345,), "zh", "数量为2345。"),
])
def test_values_are_spoken_with_units_scale_and_direction(specs, row, lang, expected) -> None:
    assert speak(specs, [row], lang=lang) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN")])
def test_values_that_are_not_finite_are_said_as_they_are(value) -> None:
    """A float column can hold NaN/inf: said plainly, never a crash (was a 500)."""
    for spec in (CLOSE, PCT, AMOUNT):
        text = speak((spec,), [(value,)], lang="zh")
        assert str(value).lower() in text.lower()
        assert not any(word in text for word in ("涨", "跌", "持平", "亿", "万"))


def test_opening_states_the_day_subject_or_as_of_date() -> None:
    day = Context(subject="贵州茅台", day=dt.date(2026, 11, 23), as_of=AS_OF_DATE)
    assert speak((CLOSE,), [(1994.78,)], lang="zh", context=day) == \
        "2026年11月23日，贵州茅台收盘价为1994.78元。"
    as_of = Context(as_of=AS_OF_DATE)
    assert speak((ColumnSpec("close price", "元"),), [(1994.78,)], lang="en",
                 context=as_of) == "As of Nov 24, 2026, close price is 1994.78 yuan."
    closed = Context(as_of=dt.date(2026, 11, 22), closed=True)
    assert speak((CLOSE,), [(1.5,)], lang="zh", context=closed).startswith(
        "2026年11月22日休市，截至最近交易日，")
    no_data = Context(day=dt.date(2026, 11, 22), closed=True)
    assert speak((CLOSE,), [], lang="zh", context=no_data) == "2026年11月22日休市，没有交易数据。"
    assumed = Context(assumption="中国平安", subject="中国平安")
    assert speak((CLOSE,), [(50.1,)], lang="zh", context=assumed) == \
        "按中国平安理解：中国平安收盘价为50.1元。"


def test_long_results_are_summarized_within_the_length_bound() -> None:
    rows = [(f"股票{i}", 20 - i / 7) for i in range(40)]
    text = speak((NAME, PCT), rows, lang="zh", max_chars=200)
    assert text.startswith("共40条，前3条为：股票0上涨20%；股票1上涨19.86%")
    assert len(text) <= 200
    assert speak((NAME, PCT), rows, lang="zh", max_chars=30) == "共40条，前1条为：股票0上涨20%。"
    assert speak((NAME, PCT), rows, lang="zh", max_chars=12) == "共40条，详见表格。"
    assert speak((NAME, PCT), rows, lang="en", truncated=True).startswith("More than 40 rows")


def test_safety_accepts_the_transforms_speech_applies_and_nothing_else() -> None:
    rows = [(dt.date(2026, 11, 24), Decimal("1994.78"), -1.0116, 1234567890, "沪深300")]
    ok = "2026年11月24日，沪深300收盘价为1994.78元，下跌1.01%，成交额12.35亿元，共1条。"
    assert unsupported_numbers(ok, rows) == []
    assert unsupported_numbers("Turnover 1.23 billion yuan.", rows) == []
    assert unsupported_numbers("收盘价为1994.8元。", rows) == []  # fewer digits, same value
    assert unsupported_numbers("收盘价为1995.78元。", rows) == ["1995.78"]
    assert unsupported_numbers("成交额12.36亿元。", rows) == ["12.36亿"]
    assert unsupported_numbers("截至2026年11月25日。", rows) == ["25"]
    assert unsupported_numbers("截至2026年11月25日。", rows, context=[dt.date(2026, 11, 25)]) == []


def test_clarification_asks_back_with_numbered_options_or_assumes_the_first() -> None:
    e = ClarificationNeeded("'平安' could mean 中国平安 or 平安银行", ["中国平安", "平安银行"],
                            mention="平安")
    back = ask_back(e, "en")
    assert back.details["needs_clarification"] is True and back.http_status == 409
    assert back.details["choices"] == [{"n": 1, "value": "中国平安"}, {"n": 2, "value": "平安银行"}]
    assert back.details["prompt"] == "Did you mean 中国平安, or 平安银行?"
    assert assume("平安今天收盘价", e) == ("中国平安今天收盘价", "中国平安")
    with pytest.raises(ClarificationNeeded):
        assume("no mention here", e)


# --- on the demo warehouse (scale 1: the broadcast set names its securities) ---------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    path = load_settings().demo_path
    if not path.exists():
        path = tmp_path_factory.mktemp("demo") / "trading.duckdb"
        build_demo(path)
    gateway = Gateway.open(f"duckdb:///{path}", load_settings(as_of=AS_OF_DATE))
    yield gateway
    gateway.close()


def _questions(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / name).read_text("utf-8").splitlines()]


@pytest.mark.slow
def test_every_broadcast_and_demo_answer_states_only_numbers_from_its_rows(demo: Gateway) -> None:
    """The sentence is checked inside the pipeline; here it is rebuilt from the rows: no
    answer may fall back to the plain count, and any number must come from rows or dates."""
    from nl2sql.answer import speech_context, stated_values
    from nl2sql.answer.columns import describe_columns
    from nl2sql.generate import propose
    from nl2sql.link import link

    checked = 0
    for q in _questions("broadcast_questions.jsonl") + _questions("demo_questions.jsonl"):
        try:
            answer = demo.ask(q["question"])
        except Nl2SqlError:
            continue
        assert demo.index is not None
        plan = propose(link(demo.index, q["question"], as_of=demo.as_of,
                            calendar=demo.calendar), demo.catalog).plan
        lang = "zh" if q.get("lang", "zh") == "zh" else "en"
        specs = describe_columns(plan, demo.catalog, answer.columns, lang)
        ctx = speech_context(plan, specs, answer.rows, as_of=demo.as_of, calendar=demo.calendar)
        bad = unsupported_numbers(answer.answer_text, answer.rows,
                                  context=stated_values(plan, ctx))
        assert bad == [], (q["question"], answer.answer_text)
        assert "详见表格" not in answer.answer_text or len(answer.rows) > 1, answer.answer_text
        checked += 1
    assert checked >= 200


@pytest.mark.slow
def test_gateway_answers_speak_dates_units_and_assumptions(demo: Gateway) -> None:
    close = demo.ask("贵州茅台昨天收盘价是多少")
    assert close.answer_text.startswith("2026年11月23日，贵州茅台收盘价为")
    assert close.answer_text.endswith("元。")
    top = demo.ask("今天跌幅最大的5只股票")
    assert top.answer_text.startswith("2026年11月24日，共5条，前3条为：")
    assert "下跌" in top.answer_text and [r[1] for r in top.rows] == sorted(r[1] for r in top.rows)
    with pytest.raises(ClarificationNeeded) as e:
        demo.ask("平安最新收盘价是多少")
    assert e.value.details["needs_clarification"] is True
    assumed = demo.ask("平安最新收盘价是多少", policy="first")
    assert assumed.assumption == e.value.options[0]
    assert assumed.answer_text.startswith(f"按{assumed.assumption}理解：")
    assert set(assumed.options) == set(e.value.options)
    closed = Gateway(demo.backend, demo.catalog, load_settings(as_of=dt.date(2026, 11, 22)))
    weekend = closed.ask("贵州茅台今天的收盘价")
    assert weekend.rows == [] and weekend.answer_text == "2026年11月22日休市，没有交易数据。"


@pytest.fixture(scope="module")
def sales(tmp_path_factory: pytest.TempPathFactory, write_sql) -> str:
    """One table whose two measures a short word names equally (销量)."""
    path = tmp_path_factory.mktemp("sales") / "sales.duckdb"
    write_sql(f"duckdb:///{path}", [
        "CREATE TABLE sales (region VARCHAR, product_sales DOUBLE, region_sales DOUBLE)",
        "COMMENT ON COLUMN sales.region IS '区域 | region'",
        "COMMENT ON COLUMN sales.product_sales IS '产品销量 | product sales'",
        "COMMENT ON COLUMN sales.region_sales IS '区域销量 | regional sales'",
        "INSERT INTO sales VALUES ('华东', 10, 20), ('华南', 5, 7)",
    ])
    return f"duckdb:///{path}"


def test_competing_fields_ask_back_or_say_the_assumption(sales: str) -> None:
    asking = Gateway.open(sales, load_settings(default_policy="ask"))
    try:
        with pytest.raises(ClarificationNeeded) as e:
            asking.ask("华东的销量是多少")
        assert e.value.details["needs_clarification"] is True
        assert e.value.options == ["产品销量", "区域销量"] and e.value.details["kind"] == "field"
        assert e.value.details["prompt"] == "您说的是产品销量，还是区域销量？"
        named = asking.ask("华东的区域销量是多少")  # a field named in full is not asked back
        assert named.rows == [(20.0,)]
        first = asking.ask("华东的销量是多少", policy="first")
        assert first.rows == [(10.0,)] and first.assumption == "产品销量"
        assert first.answer_text.startswith("按产品销量理解")
    finally:
        asking.close()
