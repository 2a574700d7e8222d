"""The embedded parser end to end (link -> parse -> guard -> execute) on a real DuckDB file."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from nl2sql.backends import open_backend
from nl2sql.catalog.introspect import introspect
from nl2sql.errors import GenerationError, LinkError
from nl2sql.generate.plan import ColRef, Filter, Measure, QueryPlan, compile_plan
from nl2sql.pipeline import Gateway
from nl2sql.settings import load_settings
from tests.shopdb import shop_statements

CASES = [json.loads(line) for line in
         (Path(__file__).parent / "fixtures" / "parser_cases.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def shop_path(tmp_path_factory: pytest.TempPathFactory, write_sql) -> str:
    path = tmp_path_factory.mktemp("shop") / "shop.duckdb"
    write_sql(f"duckdb:///{path}", shop_statements())
    return str(path)


@pytest.fixture(scope="module", params=["whole catalog", "retrieval first"])
def shop(request: pytest.FixtureRequest, shop_path: str) -> Iterator[tuple[Gateway, str]]:
    """The same database linked whole, and narrowed by table retrieval as large ones are."""
    min_tables = 1 if request.param == "retrieval first" else 50
    gateway = Gateway.open(f"duckdb:///{shop_path}",
                           load_settings(retrieval_min_tables=min_tables))
    assert (gateway.retriever is not None) == (request.param == "retrieval first")
    yield gateway, shop_path
    gateway.close()


def _rows(path: str, sql: str) -> Counter:
    with duckdb.connect(path, read_only=True) as con:
        return Counter(tuple(round(v, 6) if isinstance(v, float) else v for v in row)
                       for row in con.execute(sql).fetchall())


@pytest.mark.parametrize("case", CASES, ids=[c["question"] for c in CASES])
def test_parser_answers_like_gold(shop: tuple[Gateway, str], case: dict) -> None:
    gateway, path = shop
    answer = gateway.ask(case["question"])
    assert answer.tier == "parser"
    assert _rows(path, answer.sql) == _rows(path, case["gold_sql"]), answer.sql


def test_unlinkable_question_is_an_honest_cannot_answer(shop: tuple[Gateway, str]) -> None:
    gateway, _ = shop
    with pytest.raises((GenerationError, LinkError)) as e:
        gateway.ask("what's the weather like on mars")
    assert e.value.type == "cannot_answer"


def test_answer_sentence_uses_result_values(shop: tuple[Gateway, str]) -> None:
    gateway, _ = shop
    answer = gateway.ask("What is the price of Laptop?")
    assert answer.rows == [(6999.0,)]
    assert "6999" in answer.answer_text
    zh = gateway.ask("Desk的价格是多少")
    assert zh.answer_text == "Desk价格为899元。"  # the entity and the unit are said


def test_confidence_is_lower_for_a_question_it_only_partly_understands(
        shop: tuple[Gateway, str]) -> None:
    gateway, _ = shop
    clear = gateway.ask("How many customers are there?")
    vague = gateway.ask("customers who bought things that were delivered late to their friends")
    assert clear.confidence > vague.confidence


def test_a_change_over_a_window_compiles_to_any_backend(tmp_path: Path) -> None:
    """Growth: last close against the level before the first day, on the plan's own rows;
    the plan survives its JSON form (learned models store plans)."""
    db = tmp_path / "bars.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE bar (code TEXT, day DATE, close REAL, pre_close REAL, "
                    "PRIMARY KEY (code, day))")
        con.executemany("INSERT INTO bar VALUES (?, ?, ?, ?)", [
            ("A", "2024-01-02", 11.0, 10.0), ("A", "2024-01-03", 12.1, 11.0),
            ("A", "2024-01-04", 9.9, 12.1), ("B", "2024-01-03", 50.0, 40.0)])
    backend = open_backend(f"sqlite:///{db}")
    try:
        catalog = introspect(backend)
        day, close = ColRef("bar", "day"), ColRef("bar", "close")
        plan = QueryPlan((Measure("growth", close, by=day, start=ColRef("bar", "pre_close")),),
                         "bar", (Filter(ColRef("bar", "code"), "=", "A"),
                                 Filter(day, ">=", dt.date(2024, 1, 3))))
        assert QueryPlan.from_dict(plan.to_dict()) == plan
        rows = backend.run(compile_plan(plan, catalog).sql("sqlite"), max_rows=10).rows
        assert rows[0][0] == pytest.approx(100 * 9.9 / 11.0 - 100)
        grouped = QueryPlan(plan.select, "bar", group_by=(ColRef("bar", "code"),))
        with pytest.raises(GenerationError):
            compile_plan(grouped, catalog)
    finally:
        backend.close()
