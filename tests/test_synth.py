"""The synthetic generator against real DuckDB and SQLite databases: every pair runs,
alignments point at the right text, runs repeat by seed, shards merge, exports read back."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import sqlglot
from click.testing import CliRunner

from nl2sql.backends import Backend, open_backend
from nl2sql.catalog.introspect import introspect
from nl2sql.catalog.model import Catalog
from nl2sql.cli import main
from nl2sql.errors import InputError
from nl2sql.generate.plan import QueryPlan, compile_plan
from nl2sql.link.spoken import parse_zh_number
from nl2sql.synth import (
    Options,
    SynthPair,
    merge_pairs,
    spider_hardness,
    synthesize,
    write_outputs,
)
from nl2sql.synth.check import sql_key
from nl2sql.synth.noise import zh_numeral
from tests.paths import BENCH
from tests.shopdb import shop_statements

# A bars table next to the shop: confusable columns (成交量/成交额, 涨跌幅/涨跌额), dates.
_BARS = [
    "CREATE TABLE bar (code VARCHAR, day DATE, close DOUBLE, vol BIGINT, amount DOUBLE, "
    "pct_chg DOUBLE, change DOUBLE)",
    "COMMENT ON TABLE bar IS '日线行情 | Daily bars'",
    "COMMENT ON COLUMN bar.code IS '证券代码 | Security code'",
    "COMMENT ON COLUMN bar.day IS '交易日期 | Trade date'",
    "COMMENT ON COLUMN bar.close IS '收盘价 | Close price | 元'",
    "COMMENT ON COLUMN bar.vol IS '成交量 | Volume | 手'",
    "COMMENT ON COLUMN bar.amount IS '成交额 | Turnover amount | 元'",
    "COMMENT ON COLUMN bar.pct_chg IS '涨跌幅 | Percent change | %'",
    "COMMENT ON COLUMN bar.change IS '涨跌额 | Price change | 元'",
    "INSERT INTO bar SELECT ['A1', 'B2', 'C3', 'D4'][1 + i % 4], DATE '2024-01-02' + CAST(i // 4 AS INTEGER), "
    "10 + i % 13, 1000 + 37 * i, 5000.5 * (1 + i % 7), (i % 9) - 4.5, (i % 5) - 2 "
    "FROM range(120) t(i)",
]


@pytest.fixture(scope="module")
def shop_url(tmp_path_factory: pytest.TempPathFactory, write_sql) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('synth') / 'shop.duckdb'}"
    write_sql(url, shop_statements() + _BARS)
    return url


@pytest.fixture(scope="module")
def shop(shop_url: str) -> Iterator[tuple[Catalog, Backend]]:
    backend = open_backend(shop_url)
    yield introspect(backend), backend
    backend.close()


@pytest.fixture(scope="module")
def pairs(shop: tuple[Catalog, Backend]) -> list[SynthPair]:
    catalog, backend = shop
    return list(synthesize(catalog, backend, 400, seed=3, db_id="shop"))


def _dicts(found: Iterator[SynthPair] | list[SynthPair]) -> list[dict]:
    return [p.to_dict() for p in found]


def test_every_answerable_pair_runs_and_returns_rows(shop_url: str, pairs: list[SynthPair]
                                                     ) -> None:
    assert len(pairs) == 400
    path = shop_url.removeprefix("duckdb:///")
    with duckdb.connect(path, read_only=True) as con:
        for sql in {p.sql for p in pairs if p.sql}:
            rows = con.execute(sql).fetchall()
            assert rows and any(v is not None for row in rows for v in row), sql


def test_mentions_point_at_their_text_and_their_query(pairs: list[SynthPair]) -> None:
    for p in pairs:
        for m in p.mentions:
            assert p.question[m.start:m.end] == m.text != "", (p.question, m)
        if p.sql is None:
            continue
        sql = p.sql
        for m in p.mentions:
            if m.kind == "column":
                table, column = m.ref.split(".")
                assert f'"{table}"."{column}"' in sql, (m, sql)
            elif m.kind == "table":
                assert f'"{m.ref}"' in sql, (m, sql)
            elif m.kind in ("value", "number"):
                assert m.value is not None and m.value in sql, (m, sql)
            elif m.kind == "date":
                assert m.value is not None and m.value[:8] in sql, (m, sql)
            elif m.kind == "agg" and m.ref != "count_distinct":
                word = {"pct": "COUNT(CASE"}.get(m.ref, m.ref.upper() + "(")
                assert word in sql, (m, sql)
            elif m.kind == "order":
                assert f" {m.ref.upper()}" in sql, (m, sql)


def test_clean_questions_name_every_condition_value(pairs: list[SynthPair]) -> None:
    """A question never drops a condition: each literal of the query is mentioned (ratio
    conditions included); noisy questions may write it differently, so clean ones only."""
    for p in pairs:
        if p.sql is None or "spoken" in p.constructs:
            continue
        # Dates aside: a window's end date is implied by "2024年5月".
        literals = [x for x in re.findall(r"'([^']*)'", p.sql)
                    if not re.fullmatch(r"\d{4}-\d\d-\d\d", x)]
        said = {m.value for m in p.mentions if m.value is not None}
        for lit in literals:
            lit = lit.strip("%")
            assert any(lit in s or s in lit for s in said), (p.question, p.sql)


def test_constructs_and_difficulties_are_covered(pairs: list[SynthPair]) -> None:
    tags = {t for p in pairs for t in p.constructs}
    assert {"count", "agg", "group", "having", "topk", "nested", "setop", "ratio", "join",
            "like", "in", "between", "window", "confusable", "spoken"} <= tags
    assert {p.difficulty for p in pairs if p.sql} == {"easy", "medium", "hard", "extra"}
    assert {p.lang for p in pairs} == {"zh", "en"}


def test_plans_round_trip_and_compile_to_the_same_sql(shop: tuple[Catalog, Backend],
                                                      pairs: list[SynthPair]) -> None:
    catalog, _ = shop
    for p in pairs:
        if p.plan is None:
            continue
        doc = json.loads(json.dumps(p.plan.to_dict()))
        assert QueryPlan.from_dict(doc) == p.plan
        assert compile_plan(QueryPlan.from_dict(doc), catalog).sql(dialect="duckdb") == p.sql


def test_hard_cases_are_labelled(shop: tuple[Catalog, Backend]) -> None:
    catalog, backend = shop
    options = Options(ambiguous_rate=1.0, unanswerable_rate=0.5)
    found = list(synthesize(catalog, backend, 300, seed=5, options=options))
    ambiguous = [p for p in found if p.label == "ambiguous"]
    unanswerable = [p for p in found if p.label == "unanswerable"]
    assert ambiguous and unanswerable
    for p in ambiguous:
        assert p.sql is None and len(p.options) == 2
        span = next(m for m in p.mentions if m.kind == "ambiguous")
        assert span.ref == "|".join(o["ref"] for o in p.options)
        assert {o["ref"] for o in p.options} <= {"bar.vol", "bar.amount", "bar.pct_chg",
                                                 "bar.change", "bar.close"}
    for p in unanswerable:
        assert p.sql is None and any(m.kind == "missing" for m in p.mentions)


def test_same_seed_same_pairs_other_seed_other_pairs(shop: tuple[Catalog, Backend]) -> None:
    catalog, backend = shop
    first = _dicts(synthesize(catalog, backend, 60, seed=11))
    assert first == _dicts(synthesize(catalog, backend, 60, seed=11))
    assert first != _dicts(synthesize(catalog, backend, 60, seed=12))


def test_shards_merge_to_the_unsharded_run(shop: tuple[Catalog, Backend]) -> None:
    catalog, backend = shop
    whole = _dicts(synthesize(catalog, backend, 120, seed=4))
    shards = [_dicts(synthesize(catalog, backend, 120, seed=4, shard=(i, 3))) for i in range(3)]
    assert merge_pairs(reversed(shards), 120) == whole
    assert all(shards)


def test_no_query_comes_from_two_units(pairs: list[SynthPair]) -> None:
    owner: dict[str, str] = {}
    for p in pairs:
        if p.sql:
            key = sql_key(sqlglot.parse_one(p.sql, read="duckdb"))
            assert owner.setdefault(key, p.id.split("-")[0]) == p.id.split("-")[0]


def test_sql_key_ignores_condition_order_and_quoting() -> None:
    a = sqlglot.parse_one('SELECT "A" FROM t WHERE x = 1 AND y IN (2, 1)')
    b = sqlglot.parse_one("SELECT a FROM T WHERE y IN (1, 2) AND x = 1")
    c = sqlglot.parse_one("SELECT a FROM T WHERE y IN (1, 3) AND x = 1")
    assert sql_key(a) == sql_key(b) != sql_key(c)


def test_spider_hardness_matches_spider_labels() -> None:
    labelled = [json.loads(line) for line in
                (BENCH / "spider" / "questions.jsonl").read_text().splitlines()]
    labelled = [q for q in labelled if q.get("hardness")]
    assert len(labelled) > 300
    assert all(spider_hardness(q["gold_sql"], "sqlite") == q["hardness"] for q in labelled)


def test_spoken_numerals_read_back_as_the_number() -> None:
    rng = random.Random(0)
    for n in [rng.randint(0, 10 ** rng.randint(1, 11)) for _ in range(500)]:
        assert parse_zh_number(zh_numeral(n)) == str(n)


def test_exports_read_back(tmp_path: Path, shop: tuple[Catalog, Backend],
                           pairs: list[SynthPair]) -> None:
    catalog, _ = shop
    dicts = _dicts(pairs)
    written = write_outputs(dicts, tmp_path, catalog)
    assert [p.name for p in written] == ["pairs.jsonl", "chat.jsonl", "pairs.parquet"]
    rows = duckdb.sql(f"SELECT question, mentions[1].text, label, plan FROM "
                      f"'{tmp_path / 'pairs.parquet'}' ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [d["question"] for d in dicts]
    assert rows[0][1] == dicts[0]["mentions"][0]["text"]
    chat = [json.loads(line) for line in (tmp_path / "chat.jsonl").read_text().splitlines()]
    first = chat[0]["messages"]
    assert [m["role"] for m in first] == ["system", "user", "assistant"]
    assert first[1]["content"] == dicts[0]["question"]
    assert first[2]["content"] == (dicts[0]["sql"] or first[2]["content"])
    assert dicts[0]["tables"][0] in first[0]["content"]


def test_spider_sqlite_database() -> None:
    url = f"sqlite:///{BENCH / 'spider' / 'database' / 'concert_singer' / 'concert_singer.sqlite'}"
    backend = open_backend(url)
    try:
        found = list(synthesize(introspect(backend), backend, 80, seed=1))
        assert len(found) == 80 and {p.dialect for p in found} == {"sqlite"}
        for p in found:
            if p.sql:
                assert backend.run(p.sql).rows
    finally:
        backend.close()


def test_bad_options_are_clear_errors(shop: tuple[Catalog, Backend]) -> None:
    catalog, backend = shop
    with pytest.raises(InputError):
        list(synthesize(catalog, backend, 10, shard=(3, 3)))
    with pytest.raises(InputError):
        Options(langs=("fr",))


@pytest.mark.slow
def test_cli_writes_shards_that_merge_like_one_run(tmp_path: Path, shop_url: str) -> None:
    runner = CliRunner()
    common = [shop_url, "--pairs", "60", "--seed", "2", "--format", "jsonl,chat,parquet"]
    whole = runner.invoke(main, ["synth", *common, "--out", str(tmp_path / "whole")])
    assert whole.exit_code == 0, whole.output
    for i in range(2):
        part = runner.invoke(main, ["synth", *common, "--out", str(tmp_path / "parts"),
                                    "--shard", f"{i}/2"])
        assert part.exit_code == 0, part.output
    merged = runner.invoke(main, ["synth", *common, "--out", str(tmp_path / "parts"), "--merge"])
    assert merged.exit_code == 0, merged.output
    for name in ("pairs.jsonl", "chat.jsonl"):
        assert (tmp_path / "parts" / name).read_text() == (tmp_path / "whole" / name).read_text()
    assert duckdb.sql(f"SELECT count(*) FROM '{tmp_path / 'whole' / 'pairs.parquet'}'"
                      ).fetchall() == [(60,)]
    bad = runner.invoke(main, ["synth", *common, "--out", str(tmp_path / "x"), "--shard", "2/2"])
    assert bad.exit_code == 2 and "i/N" in bad.output
    assert "--shard" in runner.invoke(main, ["synth", "--help"]).output


def test_date_conditions_use_real_dates(pairs: list[SynthPair]) -> None:
    dates = [m for p in pairs for m in p.mentions if m.kind == "date"]
    assert dates
    assert all(dt.date.fromisoformat(m.value or "") for m in dates)
