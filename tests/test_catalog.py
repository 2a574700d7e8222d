"""Introspection on real DuckDB, SQLite, PostgreSQL and MariaDB schemas, the catalog file,
and every benchmark SQLite database."""

from __future__ import annotations

import datetime
import decimal
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nl2sql.backends import Backend, Result, open_backend
from nl2sql.catalog import (
    Catalog,
    Column,
    Table,
    introspect,
    introspect_url,
    load_catalog,
    save_catalog,
)
from nl2sql.catalog.introspect import ddl_column_comments
from nl2sql.catalog.store import catalog_to_dict
from nl2sql.errors import CatalogError
from tests.paths import BENCH
from tests.support import CountingBackend

BENCH_DBS = sorted(BENCH.glob("spider/database/*/*.sqlite")) + sorted(BENCH.glob("defog/sqlite/*.db"))

# Test schema, written with "quoted" identifiers; {name} marks where a column comment goes.
TABLES = [
    'CREATE TABLE "Exchange" ("code" VARCHAR(10) PRIMARY KEY{code}, '
    '"Name" VARCHAR(50) NOT NULL{Name})',
    'CREATE TABLE "股票" ("代码" VARCHAR(10) PRIMARY KEY, "名称" VARCHAR(20){名称}, '
    '"Exchange" VARCHAR(10) REFERENCES "Exchange" ("code"), "order" INTEGER)',
    'CREATE TABLE "quote" ("code" VARCHAR(10) REFERENCES "股票" ("代码"), "day" DATE, '
    '"close" DECIMAL(10, 2), PRIMARY KEY ("code", "day"))',
    'CREATE TABLE "trade" ("id" INTEGER PRIMARY KEY, "code" VARCHAR(10), "day" DATE, '
    '"qty" INTEGER, FOREIGN KEY ("code", "day") REFERENCES "quote" ("code", "day"))',
    'CREATE VIEW "Select" AS SELECT q."code", q."day", q."close", s."名称" '
    'FROM "quote" AS q JOIN "股票" AS s ON s."代码" = q."code"',
]
DATA = [
    "INSERT INTO \"Exchange\" VALUES ('SH', 'Shanghai'), ('SZ', 'Shenzhen')",
    "INSERT INTO \"股票\" VALUES ('600519', '贵州茅台', 'SH', 1), ('000001', '平安银行', 'SZ', 2), "
    "('600036', '招商银行', 'SH', 3)",
    "INSERT INTO \"quote\" VALUES " + ", ".join(
        f"('{c}', '2024-01-0{d}', {p}.5)" for c in ("600519", "000001", "600036") for d, p in
        ((2, 10), (3, 11))),
    "INSERT INTO \"trade\" VALUES (1, '600519', '2024-01-02', 100), "
    "(2, '000001', '2024-01-03', 200)",
]
TABLE_COMMENTS = {"Exchange": "交易所", "股票": "A-share stocks"}
COLUMN_COMMENTS = {("Exchange", "code"): "exchange code", ("Exchange", "Name"): "exchange name",
                   ("股票", "名称"): "股票名称"}


def comment_on(quote: str) -> list[str]:
    """COMMENT ON statements (DuckDB, PostgreSQL)."""
    q = quote
    return ([f"COMMENT ON TABLE {q}{t}{q} IS '{c}'" for t, c in TABLE_COMMENTS.items()]
            + [f"COMMENT ON COLUMN {q}{t}{q}.{q}{col}{q} IS '{c}'"
               for (t, col), c in COLUMN_COMMENTS.items()])


def schema_sql(kind: str) -> list[str]:
    """The test schema in one dialect: inline comments where there is no COMMENT ON."""
    inline = {
        "sqlite": lambda c: f" /* {c} */",
        "mysql": lambda c: f" COMMENT '{c}'",
    }.get(kind, lambda c: "")
    marks = {col: inline(c) for (_, col), c in COLUMN_COMMENTS.items()}
    statements = [_fill(s, marks) for s in TABLES] + DATA
    if kind == "mysql":
        statements = [s.replace('"', "`") for s in statements]
        statements += [f"ALTER TABLE `{t}` COMMENT = '{c}'" for t, c in TABLE_COMMENTS.items()]
    elif kind in ("duckdb", "postgres"):
        statements += comment_on('"')
    return statements


def _fill(statement: str, marks: dict[str, str]) -> str:
    for name, text in marks.items():
        statement = statement.replace("{" + name + "}", text)
    return statement


KINDS = [
    "duckdb",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
]


@pytest.fixture(scope="module", params=KINDS)
def shop(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         write_sql: Callable[..., None]) -> Iterator[tuple[Backend, dict[str, Any]]]:
    """A backend over the test schema, and the introspect options that select it."""
    kind = request.param
    options: dict[str, Any] = {}
    if kind in ("duckdb", "sqlite"):
        url = f"{kind}:///{tmp_path_factory.mktemp(kind) / ('shop.' + kind)}"
        write_sql(url, schema_sql(kind))
    elif kind == "postgres":
        url = request.getfixturevalue("pg_url")
        # Its own schema: other test modules share the session database.
        write_sql(url, ['CREATE SCHEMA catalog_shop', "SET search_path TO catalog_shop;\n"
                        + ";\n".join(schema_sql(kind))])
        options["schemas"] = ["catalog_shop"]
    else:
        url = request.getfixturevalue("mysql_url")
        write_sql(url, schema_sql(kind))
    backend = open_backend(url)
    yield backend, options
    backend.close()


@pytest.fixture(scope="module")
def catalog(shop: tuple[Backend, dict[str, Any]]) -> Catalog:
    backend, options = shop
    return introspect(backend, **options)


def table(catalog: Catalog, name: str) -> Table:
    found = catalog.table(name)
    assert found is not None, f"{name} missing from {[t.name for t in catalog.tables]}"
    return found


def column(catalog: Catalog, table_name: str, name: str) -> Column:
    found = table(catalog, table_name).column(name)
    assert found is not None
    return found


def test_tables_views_and_exact_names(catalog: Catalog) -> None:
    names = {t.name for t in catalog.tables}
    assert {"Exchange", "股票", "quote", "trade", "Select"} <= names
    assert table(catalog, "Select").kind == "view"
    assert table(catalog, "quote").kind == "table"
    assert [c.name for c in table(catalog, "股票").columns] == ["代码", "名称", "Exchange", "order"]
    assert [c.name for c in table(catalog, "Select").columns] == ["code", "day", "close", "名称"]


def test_keys(catalog: Catalog) -> None:
    assert table(catalog, "Exchange").primary_key == ("code",)
    assert table(catalog, "quote").primary_key == ("code", "day")
    assert column(catalog, "quote", "day").primary_key
    assert not column(catalog, "quote", "close").primary_key
    (stock_fk,) = table(catalog, "股票").foreign_keys
    assert (stock_fk.columns, stock_fk.ref_table, stock_fk.ref_columns) == (
        ("Exchange",), "Exchange", ("code",))
    (quote_fk,) = table(catalog, "quote").foreign_keys
    assert (quote_fk.columns, quote_fk.ref_table, quote_fk.ref_columns) == (
        ("code",), "股票", ("代码",))
    (trade_fk,) = table(catalog, "trade").foreign_keys
    assert (trade_fk.columns, trade_fk.ref_table, trade_fk.ref_columns) == (
        ("code", "day"), "quote", ("code", "day"))


def test_types_and_nullability(catalog: Catalog) -> None:
    assert column(catalog, "quote", "close").type_class == "number"
    assert column(catalog, "quote", "day").type_class == "date"
    assert column(catalog, "股票", "名称").type_class == "text"
    assert column(catalog, "Exchange", "Name").nullable is False
    assert column(catalog, "股票", "名称").nullable is True


def test_comments(catalog: Catalog) -> None:
    for (t, c), text in COLUMN_COMMENTS.items():
        assert column(catalog, t, c).comment == text
    if catalog.dialect != "sqlite":  # SQLite has no table comments
        for t, text in TABLE_COMMENTS.items():
            assert table(catalog, t).comment == text
    assert table(catalog, "Select").comment == ""


def test_value_index_most_frequent_first(catalog: Catalog) -> None:
    assert column(catalog, "股票", "Exchange").values == ("SH", "SZ")
    assert set(column(catalog, "股票", "名称").values) == {"贵州茅台", "平安银行", "招商银行"}
    assert set(column(catalog, "Select", "名称").values) == {"贵州茅台", "平安银行", "招商银行"}
    assert column(catalog, "股票", "order").values == ()  # numbers get samples only
    assert set(column(catalog, "股票", "order").samples) <= {"1", "2", "3"}
    assert len(column(catalog, "股票", "order").samples) == 3
    assert column(catalog, "quote", "day").samples[0].startswith("2024-01-0")
    assert float(column(catalog, "quote", "close").samples[0]) in (10.5, 11.5)


def test_row_counts(catalog: Catalog) -> None:
    assert table(catalog, "股票").row_count == 3
    assert table(catalog, "quote").row_count == 6
    assert table(catalog, "Select").row_count == 6


def test_limits_bound_the_value_index(shop: tuple[Backend, dict[str, Any]]) -> None:
    backend, options = shop
    small = introspect(backend, value_index_limit=2, sample_rows=4, **options)
    names = column(small, "股票", "名称")
    assert names.values == () and len(names.samples) == 3  # 3 distinct > limit 2
    assert column(small, "股票", "Exchange").values == ("SH", "SZ")
    # 4 of quote's 6 rows were read: at most 4 distinct days/codes, and no false exact count.
    assert len(column(small, "quote", "code").values) <= 2
    assert table(small, "quote").row_count in (None, 6)


def test_structure_is_batched(shop: tuple[Backend, dict[str, Any]]) -> None:
    backend, options = shop
    counting = CountingBackend(backend)
    catalog = introspect(counting, workers=1, relationships=False, **options)
    structure = len(counting.calls) - len(catalog.tables)
    # tables, columns, primary keys, foreign keys (+ SQLite DDL, + PostgreSQL statistics)
    assert structure <= 5
    assert len(counting.calls) == structure + len(catalog.tables)
    counting.calls.clear()
    introspect(counting, workers=1, **options)
    checks = [sql for sql in counting.calls if "EXISTS" in sql]
    assert len(checks) <= 1  # every value-overlap check of this schema in one query


def test_progress_reaches_one(shop: tuple[Backend, dict[str, Any]]) -> None:
    backend, options = shop
    seen: list[tuple[str, float]] = []
    introspect(backend, progress=lambda m, f: seen.append((m, f)), **options)
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("股票" in m for m, _ in seen)



BAD_VIEW = {
    "duckdb": "CREATE VIEW broken AS SELECT error('boom') AS x",
    "sqlite": "CREATE VIEW broken AS SELECT abs(-9223372036854775807 - 1) AS x",
    "postgres": "CREATE VIEW broken AS SELECT 1 / (random() * 0)::int AS x",
}


@pytest.mark.parametrize("kind", ["duckdb", "sqlite",
                                  pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_failing_table_is_skipped_not_fatal(kind: str, tmp_path: Path,
                                              write_sql: Callable[..., None],
                                              request: pytest.FixtureRequest) -> None:
    options: dict[str, Any] = {}
    if kind == "postgres":
        url = request.getfixturevalue("pg_url")
        write_sql(url, ["CREATE SCHEMA catalog_broken",
                        "CREATE TABLE catalog_broken.fine (label VARCHAR(5))",
                        "INSERT INTO catalog_broken.fine VALUES ('ok')",
                        BAD_VIEW[kind].replace("VIEW broken", "VIEW catalog_broken.broken")])
        options["schemas"] = ["catalog_broken"]
    else:
        url = f"{kind}:///{tmp_path / ('broken.' + kind)}"
        write_sql(url, ["CREATE TABLE fine (label VARCHAR(5))", "INSERT INTO fine VALUES ('ok')",
                        BAD_VIEW[kind]])
    with open_backend(url) as backend:
        catalog = introspect(backend, **options)
    assert column(catalog, "fine", "label").values == ("ok",)
    broken = table(catalog, "broken")
    assert [c.name for c in broken.columns] == ["x"] and broken.columns[0].samples == ()


def test_sqlite_view_over_a_dropped_table_is_skipped(tmp_path: Path,
                                                     write_sql: Callable[..., None]) -> None:
    url = f"sqlite:///{tmp_path / 'dangling.db'}"
    write_sql(url, "CREATE TABLE kept (x INT PRIMARY KEY); CREATE TABLE gone (y INT); "
                   "CREATE VIEW dangling AS SELECT y FROM gone; DROP TABLE gone;")
    catalog = introspect_url(url)
    assert [t.name for t in catalog.tables] == ["kept"]
    assert table(catalog, "kept").primary_key == ("x",)


@pytest.mark.postgres
def test_postgres_schemas_option(pg_url: str, write_sql: Callable[..., None]) -> None:
    write_sql(pg_url, ["CREATE SCHEMA catalog_other", "CREATE TABLE catalog_other.extra (a INT)",
                       "CREATE TABLE public.catalog_public_one (a INT)"])
    with open_backend(pg_url) as backend:
        default = {t.name for t in introspect(backend).tables}
        both = introspect(backend, schemas=["public", "catalog_other"])
    assert "catalog_public_one" in default and "extra" not in default
    assert {"catalog_public_one", "extra"} <= {t.name for t in both.tables}
    assert table(both, "extra").schema == "catalog_other"


def test_unreachable_database_is_a_catalog_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite"
    with pytest.raises(CatalogError, match="not found"):
        introspect_url(str(missing))
    assert not missing.exists()


@pytest.mark.postgres
def test_unreachable_server_is_a_catalog_error() -> None:
    with pytest.raises(CatalogError, match="127.0.0.1:1"):
        introspect_url("postgresql://postgres:pw@127.0.0.1:1/nl2sql")


def test_unknown_dialect_is_a_catalog_error(tmp_path: Path) -> None:
    class Oracle:
        dialect, url = "oracle", "oracle://x"

        def run(self, sql: str, **kw: Any) -> Result:
            raise AssertionError("never called")

        def close(self) -> None:
            pass

    with pytest.raises(CatalogError, match="oracle"):
        introspect(Oracle())


def test_ddl_comments() -> None:
    ddl = 'CREATE TABLE t (a INT PRIMARY KEY /* the key */, "B c" TEXT, -- 名称\n d REAL)'
    assert ddl_column_comments(ddl, "sqlite") == {"a": "the key", "B c": "名称"}
    assert ddl_column_comments("CREATE TABLE t (a INT)", "sqlite") == {}
    assert ddl_column_comments("CREATE TABLE t (a INT -- x\n", "sqlite") in ({}, {"a": "x"})


# --- the catalog file -------------------------------------------------------------------


def same(a: Catalog, b: Catalog) -> bool:
    """Catalogs compare by identity (they are cache keys): compare their contents."""
    fields = ("dialect", "source", "tables", "problems", "relationships")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


def test_save_load_round_trip(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "sub" / "catalog.json"
    save_catalog(catalog, path)
    assert same(load_catalog(path), catalog)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert (doc["format"], doc["version"]) == ("nl2sql-catalog", 2)
    assert "股票" in path.read_text(encoding="utf-8")  # readable, not \\u-escaped
    assert [p.name for p in path.parent.iterdir()] == ["catalog.json"]  # no temp files left


def test_non_json_values_are_stored_as_strings(tmp_path: Path) -> None:
    odd = Column("d", "DATE", samples=(datetime.date(2024, 1, 2), decimal.Decimal("1.50")))  # type: ignore[arg-type]
    catalog = Catalog("duckdb", (Table("t", (odd,)),))
    save_catalog(catalog, tmp_path / "c.json")
    assert load_catalog(tmp_path / "c.json").tables[0].columns[0].samples == ("2024-01-02", "1.50")


def test_overwrite_is_atomic_and_complete(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    save_catalog(Catalog("sqlite", ()), path)
    save_catalog(catalog, path)
    assert same(load_catalog(path), catalog)


@pytest.mark.parametrize(("content", "message"), [
    ('{"format": "nl2sql-catalog", "version": 0, "tables": []}', "version 0"),
    ('{"format": "nl2sql-catalog", "version": 99, "tables": []}', "version 99"),
    ('{"tables": []}', "not an nl2sql catalog"),
    ("[1, 2]", "not an nl2sql catalog"),
    ("{not json", "cannot read"),
    ('{"format": "nl2sql-catalog", "version": 1, "dialect": "x", "tables": [{"name": "t"}]}',
     "malformed"),
])
def test_bad_catalog_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError, match=message):
        load_catalog(path)


def test_missing_catalog_file(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "none.json")


# --- the benchmark databases ------------------------------------------------------------


@pytest.fixture(scope="module")
def bench_catalogs() -> dict[str, Catalog]:
    assert len(BENCH_DBS) == 17, "the benchmark split has 10 Spider + 7 defog SQLite DBs"
    start = time.perf_counter()
    catalogs = {p.stem: introspect_url(str(p)) for p in BENCH_DBS}
    elapsed = time.perf_counter() - start
    print(f"\nintrospected {len(catalogs)} benchmark DBs "
          f"({sum(len(c.tables) for c in catalogs.values())} tables) in {elapsed:.2f} s")
    return catalogs


def test_every_benchmark_database_introspects(bench_catalogs: dict[str, Catalog]) -> None:
    for path in BENCH_DBS:
        catalog = bench_catalogs[path.stem]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            declared = {r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite%'")}
        assert {t.name for t in catalog.tables} == declared, path
        assert all(t.columns for t in catalog.tables), path
        assert all(t.row_count is not None for t in catalog.tables), path
        assert json.dumps(catalog_to_dict(catalog), ensure_ascii=False)


def test_spider_keys_match_tables_json(bench_catalogs: dict[str, Catalog]) -> None:
    for spec in json.loads((BENCH / "spider" / "tables.json").read_text()):
        catalog = bench_catalogs[spec["db_id"]]
        tables, columns = spec["table_names_original"], spec["column_names_original"]

        def name(i: int, tables: list[str] = tables, columns: list[Any] = columns) -> tuple[str, str]:
            t, c = columns[i]
            return tables[t].lower(), c.lower()

        got_pk = {(t.name.lower(), c.lower()) for t in catalog.tables for c in t.primary_key}
        got_fk = {((t.name.lower(), c.lower()), (fk.ref_table.lower(), r.lower()))
                  for t in catalog.tables for fk in t.foreign_keys
                  for c, r in zip(fk.columns, fk.ref_columns, strict=True)}
        # tables.json lists one column of a composite key; the DDL declares all of them.
        assert {name(i) for i in spec["primary_keys"]} <= got_pk, spec["db_id"]
        assert {(name(a), name(b)) for a, b in spec["foreign_keys"]} == got_fk, spec["db_id"]


def test_spider_names_keep_their_declared_case(bench_catalogs: dict[str, Catalog]) -> None:
    car = bench_catalogs["car_1"]
    (fk,) = table(car, "model_list").foreign_keys
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (("Maker",), "car_makers", ("Id",))
    assert column(car, "continents", "Continent").values == (
        "africa", "america", "asia", "australia", "europe")
    assert table(car, "cars_data").row_count == 406


# --- SQLAlchemy multi-table reflection, the generic path ---------------------------------


def shape(catalog: Catalog, comments: bool = True) -> dict[tuple[str, str], Any]:
    """What both structure paths must agree on: kinds, comments, keys, columns (name, type
    class, nullability, comment) and the profile's value index. A view's columns are
    compared by name, type class and values: MariaDB's information_schema gives them the
    base columns' nullability and comments, SQLAlchemy's reflection does not."""
    def columns(t: Table) -> list[tuple[Any, ...]]:
        table_like = t.kind == "table"
        return [(c.name, c.type_class, c.values, c.nullable if table_like else None,
                 c.comment if comments and table_like else "") for c in t.columns]
    return {(t.schema, t.name): (t.kind, t.comment if comments else "", t.primary_key,
                                 t.foreign_keys, columns(t)) for t in catalog.tables}


def test_sqlalchemy_reflection_matches_native(shop: tuple[Backend, dict[str, Any]],
                                              catalog: Catalog) -> None:
    backend, options = shop
    if backend.dialect == "duckdb":  # no SQLAlchemy dialect for DuckDB is installed
        with pytest.raises(CatalogError, match="cannot reflect"):
            introspect(backend, structure="sqlalchemy", **options)
        return
    reflected = introspect(backend, structure="sqlalchemy", **options)
    # SQLAlchemy reads no comments from SQLite (they live in the DDL text only).
    comments = backend.dialect != "sqlite"
    assert shape(reflected, comments) == shape(catalog, comments)
    assert table(reflected, "Select").kind == "view" and not reflected.problems
    assert column(reflected, "股票", "order").type_class == "number"
    if comments:
        assert table(reflected, "Exchange").comment == "交易所"
        assert column(reflected, "股票", "名称").comment == "股票名称"


def test_sqlalchemy_reflection_lists_a_broken_view(tmp_path: Path,
                                                   write_sql: Callable[..., None]) -> None:
    url = f"sqlite:///{tmp_path / 'broken.sqlite'}"
    write_sql(url, "CREATE TABLE kept (x INT PRIMARY KEY); CREATE TABLE gone (y INT); "
                   "CREATE VIEW dangling AS SELECT y FROM gone; DROP TABLE gone;")
    catalog = introspect_url(url, structure="sqlalchemy")
    assert [t.name for t in catalog.tables] == ["kept"]
    assert [(p.table, p.stage) for p in catalog.problems] == [("dangling", "structure")]


def test_bad_structure_source(tmp_path: Path, write_sql: Callable[..., None]) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    write_sql(url, "CREATE TABLE t (a INT)")
    with pytest.raises(CatalogError, match="structure must be"):
        introspect_url(url, structure="guess")


@pytest.mark.parametrize("kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_several_schemas_with_the_same_table_names(kind: str, tmp_path: Path,
                                                   request: pytest.FixtureRequest,
                                                   write_sql: Callable[..., None]) -> None:
    """Namespaces (a mixed-case one, a Chinese one) holding tables of the same name, a view
    across them and reserved words; each table keeps its schema and its own columns."""
    url = (f"duckdb:///{tmp_path / 'ns.duckdb'}" if kind == "duckdb"
           else request.getfixturevalue("pg_url"))
    write_sql(url, [
        'CREATE SCHEMA "Sales"', 'CREATE SCHEMA "风控"',
        'CREATE TABLE "Sales"."Order" ("id" INT PRIMARY KEY, "group" VARCHAR(10))',
        'CREATE TABLE "风控"."Order" ("id" INT PRIMARY KEY, "限额" DECIMAL(12, 2))',
        'CREATE TABLE "风控"."客户" ("id" INT, "order_id" INT REFERENCES "风控"."Order" ("id"))',
        'CREATE VIEW "风控"."Sales Orders" AS SELECT s."id", s."group", r."限额" '
        'FROM "Sales"."Order" AS s JOIN "风控"."Order" AS r ON r."id" = s."id"',
        "INSERT INTO \"Sales\".\"Order\" VALUES (1, 'retail'), (2, 'inst')",
    ])
    with open_backend(url) as backend:
        both = introspect(backend, schemas=["Sales", "风控"])
        default = introspect(backend)
    found = {(t.schema, t.name): t for t in both.tables}
    assert set(found) == {("Sales", "Order"), ("风控", "Order"), ("风控", "客户"),
                          ("风控", "Sales Orders")}
    assert [c.name for c in found[("Sales", "Order")].columns] == ["id", "group"]
    assert [c.name for c in found[("风控", "Order")].columns] == ["id", "限额"]
    assert found[("Sales", "Order")].column("group").values == ("inst", "retail")
    assert found[("风控", "Sales Orders")].kind == "view"
    assert found[("风控", "客户")].foreign_keys[0].ref_table == "Order"
    assert not {t.schema for t in default.tables} & {"Sales", "风控"}
