"""Tests of nl2sql.guard: fixture cases run on real engines, and every benchmark gold query."""

from __future__ import annotations

import json
import math
import re
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot
from sqlglot import exp

import nl2sql.guard.checks as checks_module
from nl2sql.catalog.model import Catalog, Column, Table
from nl2sql.errors import ConfigError, GuardError, InputError
from nl2sql.guard import CHECKS, Checked, guard
from tests.paths import BENCH

FIXTURE = Path(__file__).parent / "fixtures" / "guard_cases.sql"

CATALOG_DDL = [
    "CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT, country TEXT, age INTEGER,"
    " song_name TEXT)",
    "CREATE TABLE concert (concert_id INTEGER PRIMARY KEY, concert_name TEXT,"
    " stadium_id INTEGER, year INTEGER)",
    "CREATE TABLE stadium (stadium_id INTEGER PRIMARY KEY, name TEXT, capacity INTEGER,"
    " location TEXT)",
    "CREATE TABLE singer_in_concert (concert_id INTEGER, singer_id INTEGER)",
    'CREATE TABLE "学生" ("姓名" TEXT, "年龄" INTEGER, "班级" TEXT)',
    'CREATE TABLE "order" ("id" INTEGER, "select" TEXT, "group" TEXT)',
    'CREATE TABLE "OrderItems" ("ItemId" INTEGER, "Qty" INTEGER, "Unit Price" REAL)',
    "CREATE TABLE wide (" + ", ".join(f"c{i} INTEGER" for i in range(250)) + ")",
    "INSERT INTO singer VALUES (1, 'Ann', 'France', 31, 'x'), (2, 'Bob', 'Spain', 25, 'y'),"
    " (3, 'Cid', 'France', 40, 'z')",
    "INSERT INTO concert VALUES (1, 'Live', 1, 2014), (2, 'Tour', 2, 2015)",
    "INSERT INTO stadium VALUES (1, 'Ann', 1000, 'Paris'), (2, 'Big', 5000, 'Rome')",
    "INSERT INTO singer_in_concert VALUES (1, 1), (1, 2), (2, 3)",
    "INSERT INTO \"学生\" VALUES ('李雷', 19, '一班'), ('韩梅梅', 17, '二班')",
    "INSERT INTO \"order\" VALUES (1, 'a', 'b')",
    'INSERT INTO "OrderItems" VALUES (1, 2, 3.5)',
]


def sqlite_catalog(con: sqlite3.Connection, dialect: str = "sqlite") -> Catalog:
    """A minimal catalog from sqlite_master + pragma_table_info (until catalog.introspect lands)."""
    names = con.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    tables = []
    for (name,) in names:
        info = con.execute("SELECT name, type, pk FROM pragma_table_info(?)", (name,)).fetchall()
        cols = tuple(Column(c, t or "", primary_key=bool(pk)) for c, t, pk in info)
        tables.append(Table(name, cols, primary_key=tuple(c for c, _, pk in info if pk)))
    return Catalog(dialect, tuple(tables))


def ddl_for(dialect: str) -> list[str]:
    return [sqlglot.transpile(s, read="sqlite", write=dialect)[0] for s in CATALOG_DDL]


@pytest.fixture(scope="module")
def sqlite_db() -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(":memory:")
    for stmt in CATALOG_DDL:
        con.execute(stmt)
    yield con
    con.close()


@pytest.fixture(scope="module")
def catalog(sqlite_db: sqlite3.Connection) -> Catalog:
    return sqlite_catalog(sqlite_db)


# ---------------------------------------------------------------- fixture cases


@dataclass(frozen=True)
class Case:
    sql: str
    line: int
    reason: str | None  # None: must accept
    read: str
    dialect: str
    max_rows: int | None
    expect: str | None
    applied: tuple[str, ...] | None

    @property
    def id(self) -> str:
        return f"L{self.line}-{self.reason or 'accept'}-{self.dialect}"


def load_cases() -> list[Case]:
    cases = []
    text = FIXTURE.read_text(encoding="utf-8")
    for start, block in _blocks(text):
        head = {}
        body = []
        for line in block:
            m = re.match(r"# (\w+)(?::\s?(.*))?$", line)
            if m and not body:
                head[m.group(1)] = (m.group(2) or "").strip()
            else:
                body.append(line)
        if "reject" not in head and "accept" not in head:
            continue
        dialect = head.get("dialect", "sqlite")
        rows = head.get("max_rows", "1000")
        applied = head.get("applied")
        cases.append(Case(
            sql="\n".join(body),
            line=start,
            reason=head.get("reject"),
            read=head.get("read", dialect),
            dialect=dialect,
            max_rows=None if rows == "none" else int(rows),
            expect=head.get("expect"),
            applied=None if applied is None else tuple(a.strip() for a in applied.split("|") if a.strip()),
        ))
    return cases


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    block: list[str] = []
    start = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            start = start or n
            block.append(line)
        elif block:
            yield start, block
            block, start = [], 0
    if block:
        yield start, block


CASES = load_cases()
REJECTS = [c for c in CASES if c.reason]
ACCEPTS = [c for c in CASES if not c.reason]


def run_case(case: Case, catalog: Catalog) -> Checked:
    return guard(case.sql, catalog, dialect=case.dialect, read=case.read, max_rows=case.max_rows)


def test_fixture_has_enough_cases() -> None:
    assert len(REJECTS) >= 60 and len(ACCEPTS) >= 30
    assert {c.reason for c in REJECTS} >= {
        "multiple_statements", "not_read_only", "not_a_query", "denied_function",
        "unknown_table", "unknown_column", "ambiguous_column", "cross_join",
        "too_many_columns", "syntax_error", "empty",
    }


@pytest.mark.parametrize("case", REJECTS, ids=lambda c: c.id)
def test_rejects(case: Case, catalog: Catalog) -> None:
    with pytest.raises(GuardError) as info:
        run_case(case, catalog)
    assert info.value.details["reason"] == case.reason, info.value.message
    assert info.value.message


@pytest.mark.parametrize("case", ACCEPTS, ids=lambda c: c.id)
def test_accepts(case: Case, catalog: Catalog) -> None:
    checked = run_case(case, catalog)
    assert checked.dialect == case.dialect
    if case.expect is not None:
        assert checked.sql == case.expect
    if case.applied is not None:
        assert checked.applied == case.applied
    # The tree is what was rendered, and the output parses back to one statement.
    assert checked.tree.sql(dialect=case.dialect) == checked.sql
    assert len([s for s in sqlglot.parse(checked.sql, read=case.dialect) if s]) == 1


def _accepted_for(dialect: str) -> list[Case]:
    return [c for c in ACCEPTS if c.dialect == dialect]


@pytest.mark.parametrize("case", _accepted_for("sqlite"), ids=lambda c: c.id)
def test_accepted_sql_runs_on_sqlite(case: Case, catalog: Catalog, sqlite_db: sqlite3.Connection) -> None:
    sqlite_db.execute(run_case(case, catalog).sql).fetchall()


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    for stmt in ddl_for("duckdb"):
        con.execute(stmt)
    yield con
    con.close()


@pytest.mark.parametrize("case", _accepted_for("duckdb"), ids=lambda c: c.id)
def test_accepted_sql_runs_on_duckdb(case: Case, catalog: Catalog, duck: duckdb.DuckDBPyConnection) -> None:
    duck.execute(run_case(case, catalog).sql).fetchall()


@pytest.fixture(scope="module")
def pg() -> Iterator[Any]:
    psycopg = pytest.importorskip("psycopg")
    name = f"nl2sql_guard_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        con = psycopg.connect(f"host=127.0.0.1 user=postgres dbname={name}", autocommit=True)
        for stmt in ddl_for("postgres"):
            con.execute(stmt)
        yield con
        con.close()
    finally:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.postgres
@pytest.mark.parametrize("case", _accepted_for("postgres"), ids=lambda c: c.id)
def test_accepted_sql_runs_on_postgres(case: Case, catalog: Catalog, pg: Any) -> None:
    pg.execute(run_case(case, catalog).sql).fetchall()


@pytest.fixture(scope="module")
def maria() -> Iterator[Any]:
    pymysql = pytest.importorskip("pymysql")
    name = f"nl2sql_guard_{uuid.uuid4().hex[:10]}"
    con = pymysql.connect(host="127.0.0.1", user="root", password="", charset="utf8mb4",
                          autocommit=True)
    with con.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        cur.execute(f"USE `{name}`")
        for stmt in ddl_for("mysql"):
            cur.execute(stmt)
    try:
        yield con
    finally:
        with con.cursor() as cur:
            cur.execute(f"DROP DATABASE `{name}`")
        con.close()


@pytest.mark.mysql
@pytest.mark.parametrize("case", _accepted_for("mysql"), ids=lambda c: c.id)
def test_accepted_sql_runs_on_mariadb(case: Case, catalog: Catalog, maria: Any) -> None:
    with maria.cursor() as cur:
        cur.execute(run_case(case, catalog).sql)
        cur.fetchall()


# ---------------------------------------------------------------- behaviour in detail


def test_column_in_another_table_is_named_in_the_error(catalog: Catalog) -> None:
    with pytest.raises(GuardError) as info:
        guard("SELECT T1.year FROM singer AS T1", catalog, dialect="sqlite")
    err = info.value
    assert err.details["reason"] == "unknown_column"
    assert err.details["identifier"] == "T1.year"
    assert err.details["tables_with_column"] == ["concert"]
    assert "concert.year" in err.details["suggestions"]
    assert "concert" in err.message and "does not join" in err.message


def test_column_of_another_alias_in_scope_is_suggested(catalog: Catalog) -> None:
    sql = "SELECT T1.name FROM singer AS T1 JOIN concert AS T2 ON 1 = 1 WHERE T1.year = 2014"
    with pytest.raises(GuardError) as info:
        guard(sql, catalog, dialect="sqlite")
    assert info.value.details["suggestions"][0] == "T2.year"
    assert "Did you mean T2.year?" in info.value.message


def test_typo_gets_close_names_and_position(catalog: Catalog) -> None:
    with pytest.raises(GuardError) as info:
        guard("SELECT name\nFROM singer\nWHERE contry = 'France'", catalog, dialect="sqlite")
    d = info.value.details
    assert d["suggestions"][0] == "singer.country"
    assert (d["line"], d["col"]) == (3, 12)


def test_unknown_table_suggests_close_names(catalog: Catalog) -> None:
    with pytest.raises(GuardError) as info:
        guard("SELECT * FROM singers", catalog, dialect="sqlite")
    assert info.value.details["suggestions"][0] == "singer"


def test_syntax_error_has_line_and_column(catalog: Catalog) -> None:
    with pytest.raises(GuardError) as info:
        guard("SELECT name\nFROM singer WHERE (age > 1", catalog, dialect="sqlite")
    d = info.value.details
    assert d["reason"] == "syntax_error" and d["line"] == 2 and d["col"] > 0


def test_second_statement_is_named(catalog: Catalog) -> None:
    with pytest.raises(GuardError) as info:
        guard("SELECT 1; DROP TABLE t", catalog, dialect="sqlite")
    assert info.value.details["keyword"] == "DROP"


def test_limit_caps_rows_and_signals_truncation(catalog: Catalog, sqlite_db: sqlite3.Connection) -> None:
    checked = guard("SELECT name FROM singer ORDER BY age", catalog, dialect="sqlite", max_rows=1)
    assert checked.applied == ("limit 2",)
    assert sqlite_db.execute(checked.sql).fetchall() == [("Bob",), ("Ann",)]


def test_wrapped_limit_keeps_order_and_caps(catalog: Catalog, sqlite_db: sqlite3.Connection) -> None:
    sql = "SELECT name FROM singer ORDER BY age DESC LIMIT (SELECT 3)"
    checked = guard(sql, catalog, dialect="sqlite", max_rows=1)
    assert checked.applied == ("limit 2 (wrapped)",)
    assert sqlite_db.execute(checked.sql).fetchall() == [("Cid",), ("Ann",)]


def test_expression_input_is_not_mutated(catalog: Catalog) -> None:
    tree = sqlglot.parse_one('SELECT name FROM singer WHERE country = "France"', read="sqlite")
    before = tree.sql("sqlite")
    checked = guard(tree, catalog, dialect="sqlite", max_rows=5)
    assert tree.sql("sqlite") == before
    assert checked.sql == "SELECT name FROM singer WHERE country = 'France' LIMIT 6"
    assert isinstance(checked.tree, exp.Select)


def test_cte_shadowing_a_catalog_table_is_the_cte(catalog: Catalog) -> None:
    checked = guard("WITH singer AS (SELECT 1 AS x) SELECT x FROM singer", catalog, dialect="sqlite")
    assert checked.sql.startswith("WITH singer AS")


def test_a_policy_is_a_function_added_to_the_tuple(catalog: Catalog) -> None:
    def check_no_stadium(tree: exp.Expression, ctx: Any) -> exp.Expression:
        if any(t.name == "stadium" for t in tree.find_all(exp.Table)):
            raise GuardError("stadium is off limits", reason="tenant_policy")
        return tree

    guard("SELECT name FROM stadium", catalog, dialect="sqlite")
    with pytest.raises(GuardError) as info:
        guard("SELECT name FROM stadium", catalog, dialect="sqlite", checks=(*CHECKS, check_no_stadium))
    assert info.value.details["reason"] == "tenant_policy"


def test_qualify_breaks_ties_the_scope_walk_cannot(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    # ORDER BY an output name that two joined tables share: valid (it names the output
    # column), which sqlglot's qualify knows and the plain scope walk calls ambiguous.
    sql = "SELECT s.name FROM singer AS s JOIN stadium AS st ON s.singer_id = st.stadium_id ORDER BY name"
    assert guard(sql, catalog, dialect="postgres").sql.endswith("ORDER BY name")
    monkeypatch.setattr(checks_module, "_qualifies", lambda tree, ctx: False)
    with pytest.raises(GuardError) as info:
        guard(sql, catalog, dialect="postgres")
    assert info.value.details["reason"] == "ambiguous_column"


def test_deep_nesting_is_a_guard_error(catalog: Catalog) -> None:
    with pytest.raises(GuardError) as info:
        guard("SELECT " + "(" * 2000 + "1" + ")" * 2000, catalog, dialect="sqlite")
    assert info.value.details["reason"] == "too_complex"


def test_comments_leave_neither_text_nor_tree(catalog: Catalog) -> None:
    checked = guard("SELECT name /* x */ FROM singer -- y", catalog, dialect="sqlite")
    assert "/*" not in checked.sql and not any(n.comments for n in checked.tree.walk())


def test_bad_arguments_are_typed_errors(catalog: Catalog) -> None:
    with pytest.raises(InputError):
        guard("SELECT 1", catalog, dialect="sqlite", max_rows=-1)
    with pytest.raises(ConfigError):
        guard("SELECT 1", catalog, dialect="no_such_dialect")


# ---------------------------------------------------------------- every benchmark gold query


def _gold_items() -> dict[str, list[tuple[str, str]]]:
    """{database path: [(question id, gold SQL)]} over Spider and defog (every alternative)."""
    by_db: dict[str, list[tuple[str, str]]] = {}
    for line in (BENCH / "spider" / "questions.jsonl").read_text().splitlines():
        q = json.loads(line)
        path = BENCH / "spider" / "database" / q["db_id"] / f"{q['db_id']}.sqlite"
        by_db.setdefault(str(path), []).append((q["id"], q["gold_sql"]))
    for line in (BENCH / "defog" / "questions.jsonl").read_text().splitlines():
        q = json.loads(line)
        path = BENCH / "defog" / "sqlite" / f"{q['db_id']}.db"
        alts = [q["gold_sql_sqlite"], *q.get("gold_sql_sqlite_alternatives", [])]
        by_db.setdefault(str(path), []).extend((q["id"], s) for s in dict.fromkeys(alts))
    return by_db


GOLD = _gold_items() if BENCH.exists() else {}


def test_gold_set_is_complete() -> None:
    assert len(GOLD) == 17
    assert sum(map(len, GOLD.values())) == 720


def _same_rows(a: list[tuple], b: list[tuple], ordered: bool) -> bool:
    if len(a) != len(b):
        return False
    if not ordered:
        a, b = sorted(a, key=_row_key), sorted(b, key=_row_key)
    return all(len(x) == len(y) and all(map(_same_value, x, y)) for x, y in zip(a, b, strict=True))


def _row_key(row: tuple) -> str:
    return repr(tuple(round(v, 6) if isinstance(v, float) else v for v in row))


def _same_value(x: Any, y: Any) -> bool:
    if isinstance(x, float) or isinstance(y, float):
        return x is not None and y is not None and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
    return x == y


@pytest.mark.parametrize("second_opinion", [True, False], ids=["walk+qualify", "walk-only"])
@pytest.mark.parametrize("db", sorted(GOLD), ids=lambda p: Path(p).stem)
def test_every_gold_query_is_accepted_and_unchanged(
    db: str, second_opinion: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not second_opinion:
        # The scope walk alone must accept all gold: qualify is a tie-breaker, not a crutch.
        monkeypatch.setattr(checks_module, "_qualifies", lambda tree, ctx: False)
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    catalog = sqlite_catalog(con)
    failures = []
    for qid, sql in GOLD[db]:
        try:
            checked = guard(sql, catalog, dialect="sqlite", read="sqlite", max_rows=100000)
        except GuardError as e:
            failures.append(f"{qid}: rejected ({e.details.get('reason')}): {e.message} | {sql}")
            continue
        assert checked.tree.sql(dialect="sqlite") == checked.sql
        ordered = re.search(r"\border\s+by\b", sql, re.IGNORECASE) is not None
        want, got = con.execute(sql).fetchall(), con.execute(checked.sql).fetchall()
        if not _same_rows(want, got, ordered):
            failures.append(f"{qid}: different result | {sql} | {checked.sql}")
    con.close()
    assert not failures, "\n".join(failures)
