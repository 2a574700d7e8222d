"""Catalog at scale: profiles, engine statistics, problems, refresh, inferred keys, the
catalog file, table cards and the CLI, on real DuckDB, SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from nl2sql.backends import open_backend
from nl2sql.catalog import (
    Catalog,
    Column,
    ForeignKey,
    Table,
    introspect,
    load_catalog,
    save_catalog,
)
from nl2sql.catalog.relations import join_edges, relationships
from nl2sql.catalog.summary import (
    column_line,
    domains,
    parse_comment,
    table_card,
    time_column,
)
from nl2sql.cli import main as cli
from nl2sql.demo.enterprise import enterprise_catalog, load_enterprise
from nl2sql.errors import CatalogError
from tests.support import CountingBackend

Write = Callable[[str, Any], None]



def col(catalog: Catalog, table: str, name: str) -> Column:
    found = catalog.table(table)
    assert found is not None, table
    column = found.column(name)
    assert column is not None, (table, name)
    return column


def same(a: Catalog, b: Catalog) -> bool:
    fields = ("dialect", "source", "tables", "problems", "relationships")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


# --- profiles over a table bigger than one read: the bounded aggregate query ----------------

BIG_ROWS = 6000  # more values than one fetch reads (20,000 cells / 4 columns)


def _status(i: int) -> str:
    if i % 10 == 0:
        return "NULL"
    return "'rare'" if i % 97 == 0 else "'open'" if i % 3 else "'shut'"


def big_table_sql(kind: str) -> list[str]:
    rows = ", ".join(f"({i}, {_status(i)}, {i % 50}.25, '2024-{1 + i % 12:02d}-{1 + i % 28:02d}')"
                     for i in range(1, BIG_ROWS + 1))
    return ["CREATE TABLE big (id INTEGER PRIMARY KEY, status VARCHAR(10), "
            "amount DECIMAL(10, 2), day DATE)", f"INSERT INTO big VALUES {rows}"]


@pytest.fixture(params=["duckdb", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
                        pytest.param("mysql", marks=pytest.mark.mysql)])
def big(request: pytest.FixtureRequest, tmp_path: Path, write_sql: Write) -> Iterator[str]:
    kind = request.param
    if kind in ("duckdb", "sqlite"):
        url = f"{kind}:///{tmp_path / ('big.' + kind)}"
    elif kind == "postgres":
        url = request.getfixturevalue("new_pg_database")("big")
    else:
        url = request.getfixturevalue("mysql_url")
        write_sql(url, "DROP TABLE IF EXISTS big")
    write_sql(url, big_table_sql(kind))
    yield url


def test_profile_of_a_big_table_reads_a_bounded_sample(big: str) -> None:
    with open_backend(big) as backend:
        counting = CountingBackend(backend)
        catalog = introspect(counting, relationships=False, sample_rows=8000)
    table = catalog.table("big")
    assert table is not None and table.row_count == BIG_ROWS
    status = col(catalog, "big", "status")
    assert status.values[:2] == ("open", "shut") and set(status.values) == {"open", "shut", "rare"}
    assert status.null_frac == pytest.approx(0.1, abs=0.001)
    assert status.distinct == 3
    amount = col(catalog, "big", "amount")
    assert (float(amount.min_value), float(amount.max_value)) == (0.25, 49.25)  # type: ignore[arg-type]
    assert amount.null_frac == 0.0 and amount.values == () and len(amount.samples) == 3
    day = col(catalog, "big", "day")
    assert (day.min_value, day.max_value) == ("2024-01-01", "2024-12-28")
    assert col(catalog, "big", "id").distinct == BIG_ROWS
    sampled = [sql for sql in counting.calls if '"big"' in sql or "`big`" in sql]
    assert sampled and all("LIMIT 8000" in sql for sql in sampled if "GROUP BY" in sql)


def test_a_small_table_is_read_whole_in_one_query(tmp_path: Path, write_sql: Write) -> None:
    url = f"duckdb:///{tmp_path / 'small.duckdb'}"
    write_sql(url, ["CREATE TABLE s (k INTEGER, label VARCHAR, flag BOOLEAN)",
                    "INSERT INTO s VALUES (1, 'a', true), (2, 'a', false), (3, NULL, NULL)"])
    with open_backend(url) as backend:
        counting = CountingBackend(backend)
        catalog = introspect(counting, relationships=False)
    profiled = [sql for sql in counting.calls if '"s"' in sql]
    assert len(profiled) == 1 and "GROUP BY" not in profiled[0]
    label = col(catalog, "s", "label")
    assert (label.values, label.null_frac, label.distinct) == (("a",), pytest.approx(1 / 3, abs=1e-3), 1)
    assert col(catalog, "s", "flag").samples == ("false", "true")
    assert (col(catalog, "s", "k").min_value, col(catalog, "s", "k").max_value) == ("1", "3")


# --- PostgreSQL statistics first ------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_statistics_replace_sampling(new_pg_database: Callable[[str], str],
                                              write_sql: Write) -> None:
    url = new_pg_database("stats")
    write_sql(url, [
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, side VARCHAR(4), price NUMERIC(8, 2), "
        "note TEXT)",
        "INSERT INTO orders SELECT g, CASE WHEN g % 3 = 0 THEN 'sell' ELSE 'buy' END, "
        "(g % 100) + 0.5, CASE WHEN g % 5000 = 0 THEN 'odd' END FROM generate_series(1, 20000) g",
        # One row of 'rare' among 20,000: statistics miss it, so that column is sampled.
        "CREATE TABLE fills (id INTEGER PRIMARY KEY, kind VARCHAR(8))",
        "INSERT INTO fills SELECT g, CASE WHEN g = 7 THEN 'rare' WHEN g % 2 = 0 THEN 'a' "
        "ELSE 'b' END FROM generate_series(1, 20000) g",
        "ANALYZE",
    ])
    with open_backend(url) as backend:
        counting = CountingBackend(backend)
        catalog = introspect(counting, relationships=False)
    assert any("pg_stats" in sql for sql in counting.calls)
    per_table = [sql for sql in counting.calls if "orders" in sql and "pg_catalog" not in sql]
    assert per_table == []  # orders is fully covered by its statistics
    side = col(catalog, "orders", "side")
    assert side.values == ("buy", "sell") and side.distinct == 2
    price = col(catalog, "orders", "price")
    assert (float(price.min_value), float(price.max_value)) == (0.5, 99.5)  # type: ignore[arg-type]
    assert col(catalog, "orders", "note").null_frac == pytest.approx(0.9998, abs=0.001)
    assert catalog.table("orders").row_count == 20000  # type: ignore[union-attr]
    kind = col(catalog, "fills", "kind")
    assert set(kind.values) == {"a", "b", "rare"}
    sampled = [sql for sql in counting.calls if '"fills"' in sql]
    assert len(sampled) == 1 and '"kind"' in sampled[0] and '"id"' not in sampled[0]


# --- problems are listed, not fatal ---------------------------------------------------------


@pytest.fixture
def pg_role(new_pg_database: Callable[[str], str], write_sql: Write) -> Iterator[tuple[str, str]]:
    """(admin URL, URL of a role that may read only table `open_t`) of a fresh database."""
    url = new_pg_database("perm")
    role = f"nl2sql_reader_{secrets.token_hex(3)}"
    write_sql(url, [f"CREATE ROLE {role} LOGIN",
                    "CREATE TABLE open_t (a INTEGER, b VARCHAR(5))",
                    "INSERT INTO open_t VALUES (1, 'x')",
                    "CREATE TABLE secret_t (a INTEGER, s VARCHAR(5))",
                    "INSERT INTO secret_t VALUES (1, 'y')",
                    "CREATE TABLE shapes (id INTEGER, spot POINT, tags INTEGER[])",
                    "INSERT INTO shapes VALUES (1, '(1,2)', '{1,2}')",
                    "CREATE VIEW slow AS SELECT g AS y FROM generate_series(1, 3) AS g, "
                    "LATERAL (SELECT pg_sleep(0.4)) AS s",
                    f"GRANT SELECT ON open_t, shapes, slow TO {role}"])
    yield url, url.replace("://postgres@", f"://{role}@")
    write_sql(url, [f"DROP OWNED BY {role}", f"DROP ROLE {role}"])


@pytest.mark.postgres
def test_failures_are_listed_not_fatal(pg_role: tuple[str, str]) -> None:
    _, reader = pg_role
    with open_backend(reader) as backend:
        catalog = introspect(backend, profile_budget_ms=300)
    problems = {(p.table, p.stage): p.message for p in catalog.problems}
    assert "permission denied" in problems[("secret_t", "profile")]
    assert "timed out" in problems[("slow", "profile")]
    assert "spot (point)" in problems[("shapes", "type")]
    assert "tags (integer[])" in problems[("shapes", "type")]
    # Every table is still there, with what could be read.
    assert [c.name for c in catalog.table("secret_t").columns] == ["a", "s"]  # type: ignore[union-attr]
    assert col(catalog, "open_t", "b").values == ("x",)
    assert col(catalog, "shapes", "id").samples == ("1",)
    assert not {p.table for p in catalog.problems} & {"open_t"}


@pytest.mark.postgres
def test_a_refresh_retries_tables_that_had_problems(pg_role: tuple[str, str],
                                                    write_sql: Write) -> None:
    admin, reader = pg_role
    with open_backend(reader) as backend:
        first = introspect(backend, profile_budget_ms=300)
    write_sql(admin, f"GRANT SELECT ON secret_t TO {reader.split('://')[1].split('@')[0]}")
    with open_backend(reader) as backend:
        second = introspect(backend, previous=first, profile_budget_ms=300)
    assert col(second, "secret_t", "s").values == ("y",)
    stages = {(p.table, p.stage) for p in second.problems}
    assert ("secret_t", "profile") not in stages
    assert ("shapes", "type") in stages  # unchanged table: its finding is kept


def test_unreachable_database_stays_a_clear_error(tmp_path: Path) -> None:
    from nl2sql.catalog import introspect_url

    with pytest.raises(CatalogError, match="not found"):
        introspect_url(str(tmp_path / "none.duckdb"))


def test_bad_options_are_catalog_errors(tmp_path: Path, write_sql: Write) -> None:
    url = f"sqlite:///{tmp_path / 'o.db'}"
    write_sql(url, "CREATE TABLE t (a INT)")
    with open_backend(url) as backend:
        for bad in ({"sample_rows": 0}, {"workers": 0}, {"profile_budget_ms": -1}):
            with pytest.raises(CatalogError):
                introspect(backend, **bad)


# --- fingerprints and incremental refresh ---------------------------------------------------


def refresh_case(kind: str, url: str, write_sql: Write) -> None:
    write_sql(url, ["CREATE TABLE keep_a (id INTEGER PRIMARY KEY, v VARCHAR(5))",
                    "INSERT INTO keep_a VALUES (1, 'p'), (2, 'q')",
                    "CREATE TABLE keep_b (id INTEGER PRIMARY KEY, a_id INTEGER)",
                    "INSERT INTO keep_b VALUES (1, 1), (2, 2)",
                    "CREATE TABLE change_me (id INTEGER, w VARCHAR(5))",
                    "INSERT INTO change_me VALUES (1, 'z')",
                    "CREATE TABLE drop_me (id INTEGER)"])
    with open_backend(url) as backend:
        first = introspect(backend)
    write_sql(url, ["ALTER TABLE change_me ADD COLUMN extra INTEGER", "DROP TABLE drop_me",
                    "CREATE TABLE new_t (id INTEGER, keep_a_id INTEGER)",
                    "INSERT INTO new_t VALUES (1, 2)"])
    with open_backend(url) as backend:
        counting = CountingBackend(backend)
        second = introspect(counting, previous=first)
    profiled = [sql for sql in counting.calls if "nl2sql_" not in sql and "FROM" in sql
                and ("change_me" in sql or "keep_" in sql or "new_t" in sql)]
    touched = {name for name in ("keep_a", "keep_b", "change_me", "new_t")
               if any(f'"{name}"' in sql for sql in profiled)}
    assert touched == {"change_me", "new_t"}, profiled
    assert second.table("keep_a") is first.table("keep_a")
    assert second.table("drop_me") is None
    assert [c.name for c in second.table("change_me").columns] == ["id", "w", "extra"]  # type: ignore[union-attr]
    assert second.table("change_me").fingerprint != first.table("change_me").fingerprint  # type: ignore[union-attr]
    inferred = {(r.table, r.column, r.ref_table) for r in second.relationships}
    assert ("keep_b", "a_id", "keep_a") in inferred  # kept from the first run
    assert ("new_t", "keep_a_id", "keep_a") in inferred  # new
    assert not {r for r in inferred if r[1] == "id"}  # `id` alone says nothing


def test_refresh_reprofiles_only_changed_tables_duckdb(tmp_path: Path, write_sql: Write) -> None:
    refresh_case("duckdb", f"duckdb:///{tmp_path / 'r.duckdb'}", write_sql)


@pytest.mark.postgres
def test_refresh_reprofiles_only_changed_tables_postgres(
        new_pg_database: Callable[[str], str], write_sql: Write) -> None:
    refresh_case("postgres", new_pg_database("refresh"), write_sql)


def test_fingerprint_ignores_profiles_not_ddl() -> None:
    from nl2sql.catalog import fingerprint

    base = Table("t", (Column("a", "INT", comment="x"),), primary_key=("a",))
    assert fingerprint(base) == fingerprint(Table("t", (Column("a", "INT", comment="x",
                                                               samples=("1",)),),
                                                primary_key=("a",), row_count=9))
    for changed in (Table("t", (Column("a", "BIGINT", comment="x"),), primary_key=("a",)),
                    Table("t", (Column("a", "INT", comment="y"),), primary_key=("a",)),
                    Table("t", (Column("a", "INT", comment="x"),)),
                    Table("t", (Column("a", "INT", comment="x"),), primary_key=("a",),
                          comment="c")):
        assert fingerprint(changed) != fingerprint(base)


# --- inferred relationships -----------------------------------------------------------------

KEYS_SCHEMA = [
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(20))",
    "INSERT INTO customers VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    "CREATE TABLE customers_bak (id INTEGER PRIMARY KEY, name VARCHAR(20))",
    "INSERT INTO customers_bak VALUES (1, 'a')",
    "CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, amount INTEGER)",
    "INSERT INTO orders VALUES (10, 1, 5), (11, 2, 6), (12, 3, 7)",
    "CREATE TABLE refunds (refund_id INTEGER PRIMARY KEY, order_id INTEGER, "
    "buyer_customer_id INTEGER)",
    "INSERT INTO refunds VALUES (1, 10, 1), (2, 11, 2)",
    # Same key name, but none of its values exist in orders: the data says no.
    "CREATE TABLE archive (archive_id INTEGER PRIMARY KEY, order_id INTEGER)",
    "INSERT INTO archive VALUES (1, 900), (2, 901), (3, 902)",
]


@pytest.mark.parametrize("kind", ["duckdb", "sqlite", pytest.param("postgres",
                                                                   marks=pytest.mark.postgres)])
def test_inferred_keys_carry_confidence_and_evidence(kind: str, tmp_path: Path,
                                                     write_sql: Write,
                                                     request: pytest.FixtureRequest) -> None:
    if kind == "postgres":
        url = request.getfixturevalue("new_pg_database")("keys")
    else:
        url = f"{kind}:///{tmp_path / ('keys.' + kind)}"
    write_sql(url, KEYS_SCHEMA)
    with open_backend(url) as backend:
        catalog = introspect(backend)
    found = {(r.table, r.column): r for r in catalog.relationships}
    by_pair = {(r.table, r.column, r.ref_table): r for r in catalog.relationships}
    best = found[("orders", "customer_id")]
    assert (best.ref_table, best.ref_column) == ("customers", "id")
    assert best.confidence >= 0.8 and not best.declared
    assert any("values 3/3" in e for e in best.evidence)
    bak = by_pair.get(("orders", "customer_id", "customers_bak"))
    assert bak is None or bak.confidence < best.confidence
    refund = found[("refunds", "order_id")]
    assert refund.ref_table == "orders" and refund.confidence >= 0.8
    role = by_pair[("refunds", "buyer_customer_id", "customers")]
    assert "named <role>_<table>_id" in role.evidence
    assert ("archive", "order_id") not in found  # 0 of 3 values: dropped
    listed = relationships(catalog)
    assert [r.confidence for r in listed] == sorted((r.confidence for r in listed), reverse=True)


def test_join_edges_keep_their_shape_and_gain_confidence(tmp_path: Path, write_sql: Write) -> None:
    url = f"duckdb:///{tmp_path / 'edges.duckdb'}"
    write_sql(url, ["CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name VARCHAR)",
                    "INSERT INTO singer VALUES (1, 'x')",
                    "CREATE TABLE song (song_id INTEGER PRIMARY KEY, singer_id INTEGER)",
                    "INSERT INTO song VALUES (1, 1)"])
    with open_backend(url) as backend:
        catalog = introspect(backend)
    (edge,) = [e for e in join_edges(catalog) if e.table == "song"]
    assert (edge.column, edge.ref_table, edge.ref_column, edge.declared) == (
        "singer_id", "singer", "singer_id", False)
    assert edge.confidence >= 0.8


# --- the catalog file -----------------------------------------------------------------------


def test_version_2_round_trip_with_profiles_problems_and_keys(tmp_path: Path,
                                                              write_sql: Write) -> None:
    url = f"duckdb:///{tmp_path / 'rt.duckdb'}"
    write_sql(url, KEYS_SCHEMA + ["CREATE TABLE odd (m MAP(VARCHAR, INTEGER))"])
    with open_backend(url) as backend:
        catalog = introspect(backend)
    assert catalog.problems and catalog.relationships
    path = tmp_path / "c.json"
    save_catalog(catalog, path)
    loaded = load_catalog(path)
    assert same(loaded, catalog)
    assert col(loaded, "orders", "amount").min_value == "5"


def test_version_1_files_still_load(tmp_path: Path) -> None:
    doc = {"format": "nl2sql-catalog", "version": 1, "dialect": "sqlite", "source": "x",
           "tables": [{"name": "t", "schema": "main", "kind": "table", "comment": "",
                       "row_count": 3, "primary_key": ["a"],
                       "foreign_keys": [{"columns": ["a"], "ref_table": "t",
                                         "ref_columns": ["a"]}],
                       "columns": [{"name": "a", "type": "INT", "nullable": False,
                                    "comment": "k", "primary_key": True, "values": [],
                                    "samples": ["1"]}]}]}
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    table = load_catalog(path).tables[0]
    assert table.columns[0] == Column("a", "INT", False, "k", True, (), ("1",))
    assert table.foreign_keys[0].ref_table == "t" and table.fingerprint == ""


def test_malformed_column_rows_are_catalog_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "nl2sql-catalog", "version": 2, "dialect": "x",
                                "tables": [{"name": "t", "columns": [["only-name"]]}]}))
    with pytest.raises(CatalogError, match="malformed"):
        load_catalog(path)


def test_generated_catalog_of_3000_tables_loads_fast(tmp_path: Path) -> None:
    catalog = enterprise_catalog(3000)
    path = tmp_path / "big.json"
    save_catalog(catalog, path)
    start = time.perf_counter()
    loaded = load_catalog(path)
    elapsed = time.perf_counter() - start
    assert len(loaded.tables) == 3000 and loaded.tables == catalog.tables
    assert elapsed < 1.0, f"{elapsed:.2f} s to load 3,000 tables"


# --- summaries ------------------------------------------------------------------------------


def test_table_card_is_compact_and_bilingual() -> None:
    catalog = enterprise_catalog(300)
    table = catalog.table("dim_brk_account")
    assert table is not None
    card = table_card(table, catalog)
    lines = card.splitlines()
    assert lines[0].startswith("dim_brk_account — 经纪业务-资金账户维表 | Brokerage Cash account")
    assert "grain: one row per account_id" in lines[1]
    assert "customer_id → dim_crm_customer.customer_id" in card
    assert "balance 资金余额 [元]" in card and "account_status 账户状态 {" in card
    assert len(card) < 1200
    fact = next(t for t in catalog.tables if t.name.startswith("dws_") and "stat_date" in
                {c.name for c in t.columns})
    assert time_column(fact).name == "stat_date"  # type: ignore[union-attr]
    assert "time: stat_date" in table_card(fact)


def test_column_lines_and_comments() -> None:
    price = Column("close", "DECIMAL(10,2)", comment="收盘价 | Close price | 元",
                   min_value="1.5", max_value="9.5", distinct=40, null_frac=0.25)
    assert column_line(price) == ("close DECIMAL(10,2) — 收盘价 | Close price | 元; "
                                  "range 1.5 .. 9.5; ~40 distinct; 25% null")
    assert parse_comment("收盘价 | Close price | 元").unit == "元"


def test_domains_of_an_enterprise_schema_follow_its_subject_words() -> None:
    catalog = enterprise_catalog(1000)
    found = domains(catalog)
    assert set(found) == {t.name.lower() for t in catalog.tables}
    by_key = {d.key: d for d in found.values()}
    # ods_<source>_<subject>_…: the subject (in every layer) wins over the source system.
    assert found["dim_brk_account"].key == "brk"
    assert {found[t.name.lower()].key for t in catalog.tables
            if t.name.startswith("ods_") and "_brk_" in t.name} == {"brk"}
    assert by_key["brk"].title == "经纪业务 | Brokerage"
    assert len(by_key) <= 12 and sum(len(d.tables) for d in by_key.values()) == 1000
    card = table_card(catalog.table("dim_brk_account"), catalog,  # type: ignore[arg-type]
                      found["dim_brk_account"])
    assert card.splitlines()[-1].startswith("domain: brk 经纪业务 | Brokerage (")


def test_small_schemas_are_one_domain_through_their_keys() -> None:
    def t(name: str, *refs: str, schema: str = "") -> Table:
        fks = tuple(ForeignKey(("x",), r, ("x",)) for r in refs)
        return Table(name, (Column("x", "INT"),), schema=schema, foreign_keys=fks)
    catalog = Catalog("sqlite", (
        t("student"), t("pets"), t("has_pet", "student", "pets"),  # no shared word: keys
        t("singer"), t("concert"), t("singer_in_concert", "singer", "concert"),
        t("orders", schema="sales"), t("lines", schema="sales"),  # a schema is a domain
        t("dim_crm_customer"), t("dwd_crm_visit"), t("ads_crm_rank"), t("crm_note", "dim_crm_customer"),
    ))
    keys = {name: d.key for name, d in domains(catalog).items()}
    assert keys["student"] == keys["pets"] == keys["has_pet"]
    assert keys["singer"] == keys["concert"] == keys["singer_in_concert"] == "singer"
    assert keys["orders"] == keys["lines"] == "sales"
    assert {keys[n] for n in ("dim_crm_customer", "dwd_crm_visit", "ads_crm_rank",
                              "crm_note")} == {"crm"}
    assert len(set(keys.values())) == 4


# --- the generator at test scale, introspected back ------------------------------------------


@pytest.mark.postgres
def test_300_generated_tables_introspect_with_keys_recovered(
        new_pg_database: Callable[[str], str], write_sql: Write) -> None:
    from nl2sql.demo.enterprise import _vocab

    generated = enterprise_catalog(300, seed=11)
    url = new_pg_database("scale")
    load_enterprise(generated, url, rows_per_table=4)
    write_sql(url, "ANALYZE")
    start = time.perf_counter()
    with open_backend(url) as backend:
        catalog = introspect(backend)
    elapsed = time.perf_counter() - start
    assert len(catalog.tables) == 300 and not catalog.problems
    assert elapsed < 15, elapsed
    # Undeclared `<entity>_id` columns: the best inferred target is the entity's dimension.
    dims = {f"{e}_id": f"dim_{v.domain}_{e}" for e, v in _vocab().entities.items()}
    present = {t.name for t in catalog.tables}
    best: dict[tuple[str, str], str] = {}
    for r in catalog.relationships:
        best.setdefault((r.table, r.column), r.ref_table)
    judged = [(k, ref) for k, ref in best.items()
              if dims.get(k[1]) in present and k[0] != dims[k[1]]]
    right = sum(ref == dims[k[1]] for k, ref in judged)
    assert len(judged) >= 100 and right / len(judged) >= 0.95


# --- the command line -----------------------------------------------------------------------


def test_cli_enterprise_then_introspect_and_refresh(tmp_path: Path) -> None:
    db = tmp_path / "e.duckdb"
    out = tmp_path / "e.json"
    runner = CliRunner()
    made = runner.invoke(cli, ["demo", "enterprise", "--tables", "25", "--target", str(db)])
    assert made.exit_code == 0, made.output
    first = runner.invoke(cli, ["introspect", f"duckdb:///{db}", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert len(load_catalog(out).tables) == 25
    again = runner.invoke(cli, ["introspect", f"duckdb:///{db}", "--out", str(out), "--refresh"])
    assert again.exit_code == 0 and "25 tables" in " ".join(again.output.split())
    clash = runner.invoke(cli, ["demo", "enterprise", "--tables", "25", "--target", str(db)])
    assert clash.exit_code != 0 and "exists" in clash.output
