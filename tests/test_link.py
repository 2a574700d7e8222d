"""Lexical linking on a real catalog: names, bilingual comments, values, numbers, quotes."""

from __future__ import annotations

import pytest

from nl2sql.backends import open_backend
from nl2sql.catalog.introspect import introspect
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
