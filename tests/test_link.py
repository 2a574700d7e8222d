"""Lexical linking on a real catalog: names, bilingual comments, values, numbers, quotes."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from nl2sql.backends import open_backend
from nl2sql.catalog.introspect import introspect
from nl2sql.demo import AS_OF_DATE, build_demo
from nl2sql.errors import ClarificationNeeded
from nl2sql.link import SchemaIndex, link
from nl2sql.link.values import collect_entity_values
from nl2sql.text import stem, tokenize
from tests.shopdb import shop_statements


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, write_sql) -> SchemaIndex:
    url = f"duckdb:///{tmp_path_factory.mktemp('link') / 'shop.duckdb'}"
    write_sql(url, shop_statements())
    backend = open_backend(url)
    try:
        catalog = introspect(backend)
        return SchemaIndex.build(catalog, collect_entity_values(catalog, backend))
    finally:
        backend.close()


def _cols(s) -> set[tuple[str, str]]:
    return {(c.table, c.column) for c in s.columns}


def test_english_names_match_through_plurals(index: SchemaIndex) -> None:
    s = link(index, "What are the prices of products?")
    assert s.tables[0].table == "product"
    assert ("product", "price") in _cols(s)
    assert s.lang == "en"


def test_chinese_comment_names_link_to_english_identifiers(index: SchemaIndex) -> None:
    s = link(index, "商品价格最高的是哪个")
    assert s.lang == "zh"
    assert s.tables[0].table == "product"
    assert ("product", "price") in _cols(s)


def test_values_link_to_their_column(index: SchemaIndex) -> None:
    s = link(index, "customers in Shanghai")
    assert [(v.table, v.column, v.value) for v in s.values] == [("customer", "city", "Shanghai")]
    zh = link(index, "王芳的年龄")
    assert ("customer", "name", "王芳") in {(v.table, v.column, v.value) for v in zh.values}


def test_numbers_and_quoted_phrases(index: SchemaIndex) -> None:
    s = link(index, "products with 'Lap' in the name priced over 100.5")
    assert [n.value for n in s.numbers] == [100.5]
    assert [q.text for q in s.quoted] == ["Lap"]


def test_question_with_no_schema_words_links_nothing(index: SchemaIndex) -> None:
    s = link(index, "tell me a joke")
    assert (s.tables, s.columns, s.values) == ((), (), ())


def test_tokens_and_stems() -> None:
    assert [t.text for t in tokenize("贵州茅台 close 600519.sh")] == \
        ["贵", "州", "茅", "台", "close", "600519.sh"]
    assert stem("companies") == "company" and stem("address") == "address"


def test_dates_explicit_and_relative(index: SchemaIndex) -> None:
    import datetime as dt

    from nl2sql.link.timeexpr import TradingCalendar

    s = link(index, "orders on 2024-03-05")
    assert [(d.low, d.high) for d in s.dates] == [(dt.date(2024, 3, 5), dt.date(2024, 3, 5))]
    # Over a trading calendar, "yesterday's" open day skips the weekend.
    days = [dt.date(2024, 3, d) for d in (4, 5, 6, 7, 8, 11)]
    s = link(index, "上个交易日的订单金额", as_of=dt.date(2024, 3, 11),
             calendar=TradingCalendar(days))
    assert [(d.low, d.high) for d in s.dates] == [(dt.date(2024, 3, 8), dt.date(2024, 3, 8))]


@pytest.fixture(scope="module")
def trading(tmp_path_factory: pytest.TempPathFactory) -> tuple[SchemaIndex, str]:
    """The small demo warehouse, indexed as a gateway indexes it."""
    path = tmp_path_factory.mktemp("trading") / "trading.duckdb"
    build_demo(path, scale=0.02)
    backend = open_backend(f"duckdb:///{path}")
    try:
        catalog = introspect(backend)
        return SchemaIndex.build(catalog, collect_entity_values(catalog, backend)), str(path)
    finally:
        backend.close()


def test_the_words_of_a_time_name_no_column(trading: tuple[SchemaIndex, str]) -> None:
    s = link(trading[0], "深证成指上个交易日收盘多少点", as_of=AS_OF_DATE)
    day = s.dates[0]
    assert (day.low, day.high) == (date(2026, 11, 23), date(2026, 11, 23))
    inside = [m for m in [*s.columns, *s.table_mentions] if m.start < day.end and day.start < m.end]
    assert inside == [] and "trade_calendar" not in {t.table for t in s.tables}


def test_digits_beside_spoken_digits_stay_two_numbers(trading: tuple[SchemaIndex, str]) -> None:
    for question in ("沪深三百11月16日涨跌点数", "沪深300十一月十六号涨跌点数"):
        s = link(trading[0], question, as_of=AS_OF_DATE)
        assert [v.value for v in s.values] == ["沪深300"], question
        assert [(d.low, d.high) for d in s.dates] == [(date(2026, 11, 16),) * 2], question
    s = link(trading[0], "上证五十十一月二十号涨跌点数", as_of=AS_OF_DATE)
    assert [v.value for v in s.values] == ["上证50"]
    assert [d.low for d in s.dates] == [date(2026, 11, 20)]
    with duckdb.connect(trading[1], read_only=True) as con:
        initials = con.execute("SELECT pinyin FROM securities GROUP BY pinyin "
                               "HAVING count(*) = 1 ORDER BY pinyin LIMIT 1").fetchone()[0]  # type: ignore[index]
    s = link(trading[0], f"{initials}十一月十八号的成交额", as_of=AS_OF_DATE)
    assert [v.value for v in s.values] == [initials]
    assert [d.low for d in s.dates] == [date(2026, 11, 18)]


def test_stored_names_keep_their_spoken_numbers(trading: tuple[SchemaIndex, str]) -> None:
    with duckdb.connect(trading[1], read_only=True) as con:
        (name,) = con.execute("SELECT fund_name FROM fund_info WHERE fund_name LIKE '%二号%' "
                              "LIMIT 1").fetchone()  # type: ignore[misc]
    s = link(trading[0], f"{name}最新净值")
    assert [(v.table, v.value) for v in s.values] == [("fund_info", name)]


def test_a_name_missing_a_character_links_only_where_nothing_else_explains_it(
        trading: tuple[SchemaIndex, str]) -> None:
    index, path = trading
    with duckdb.connect(path, read_only=True) as con:
        names = [n for (n,) in con.execute("SELECT name FROM securities WHERE length(name) = 4 "
                                           "ORDER BY ts_code").fetchall()]
    linked = wrong = 0
    for i, name in enumerate(names):
        # A time glued in front of the name ("11月13日友设计") is no part of it.
        said = f"{name[1:]}最新收盘价" if i % 2 else f"11月13日{name[1:]}的收盘价"
        try:
            got = [v.value for v in link(index, said, as_of=AS_OF_DATE).values]
        except ClarificationNeeded as asked:
            assert name in asked.options
            continue
        linked += got == [name]
        wrong += bool(got) and got != [name]
    assert wrong == 0 and linked >= 0.8 * len(names), (linked, len(names))
    assert len(names) > 50
    # 创业板股 is one character from 创业板指, but 股票 names the securities table.
    s = link(index, "2024年6月28日创业板股票的平均涨跌幅是多少")
    assert [(v.column, v.value) for v in s.values] == [("board", "创业板")]
