"""The demo trading warehouse: determinism, data consistency, comments, questions, PostgreSQL."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from nl2sql.demo import AS_OF_DATE, DEMO_DB_ID, START_DATE, build_demo, load_tables, schema_dir
from nl2sql.demo.reference import LARGE_CAPS
from nl2sql.errors import ConfigError, InputError

SCALE = 0.05
QUESTIONS = Path(__file__).parent / "fixtures" / "demo_questions.jsonl"
COMMENT = re.compile(r"^[^|]*[\u4e00-\u9fff][^|]* \| [A-Za-z][^|]*[^ |]( \| [^ |][^|]*)?$")
PORTABLE_TYPE = re.compile(r"^(VARCHAR|INTEGER|BIGINT|DOUBLE|DECIMAL\(\d+,\d+\)|DATE|TIMESTAMP|BOOLEAN)$")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo") / "nested" / "trading.duckdb"
    stages: list[tuple[str, float]] = []
    report = build_demo(path, scale=SCALE, seed=42, progress=lambda s, f: stages.append((s, f)))
    return path, report, stages


@pytest.fixture(scope="module")
def con(built):
    c = duckdb.connect(str(built[0]), read_only=True)
    yield c
    c.close()


def one(con, sql: str):
    return con.execute(sql).fetchone()[0]


def checksums(con) -> dict[str, tuple]:
    return {
        t.name: con.execute(f"SELECT COUNT(*), SUM(hash(x)::HUGEINT) FROM {t.name} x").fetchone()
        for t in load_tables()
    }


# --- the build itself -----------------------------------------------------------------------

def test_report_matches_the_database(built, con):
    path, report, stages = built
    assert report.target == str(path) and report.seed == 42 and report.scale == SCALE
    assert report.seconds > 0 and report.as_of == AS_OF_DATE
    assert list(report.rows) == [t.name for t in load_tables()]
    for name, n in report.rows.items():
        assert one(con, f"SELECT COUNT(*) FROM {name}") == n > 0, name
    assert report.rows["securities"] >= 5200 * SCALE
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert {"daily_bar", "brokerage"} <= {s for s, _ in stages}


def test_same_seed_same_data_other_seed_other_data(built, con, tmp_path):
    again = tmp_path / "again.duckdb"
    build_demo(f"duckdb:///{again}", scale=SCALE, seed=42)
    with duckdb.connect(str(again), read_only=True) as c2:
        assert checksums(c2) == checksums(con)
    build_demo(again, scale=SCALE, seed=7)  # rebuilt in place over the old file
    with duckdb.connect(str(again), read_only=True) as c3:
        other = checksums(c3)
    assert other["daily_bar"] != checksums(con)["daily_bar"]
    assert other["trade_calendar"] == checksums(con)["trade_calendar"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.duckdb"]  # no temp leftovers


def test_constants():
    assert DEMO_DB_ID == "trading"
    assert date(2023, 1, 3) == START_DATE
    assert AS_OF_DATE.weekday() < 5


def test_a_directory_target_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="directory"):
        build_demo(tmp_path, scale=0.01)


@pytest.mark.parametrize("kwargs, error", [
    ({"scale": 0}, InputError),
    ({"scale": -1}, InputError),
    ({"scale": 50}, InputError),
    ({"scale": "1"}, InputError),
    ({"seed": -3}, InputError),
    ({"target": "sqlite:///tmp/demo.db"}, ConfigError),
    ({"target": "duckdb:///:memory:"}, ConfigError),
    ({"target": "  "}, ConfigError),
    ({"target": "/dev/null/x.duckdb"}, ConfigError),
])
def test_bad_arguments_raise_typed_errors(tmp_path, kwargs, error):
    target = kwargs.pop("target", tmp_path / "x.duckdb")
    with pytest.raises(error):
        build_demo(target, **kwargs)
    assert not (tmp_path / "x.duckdb").exists()


# --- schema declaration and comments --------------------------------------------------------

def test_declaration_is_found_and_portable():
    assert (schema_dir() / "trading_warehouse.toml").is_file()
    tables = load_tables()
    names = {t.name for t in tables}
    assert len(tables) == 16
    seen: set[str] = set()
    for t in tables:
        assert t.primary_key and all(t.column(c) for c in t.primary_key), t.name
        for c in t.columns:
            assert PORTABLE_TYPE.match(c.type), (t.name, c.name, c.type)
            assert re.fullmatch(r"[a-z][a-z0-9_]*", c.name)
        for fk in t.foreign_keys:
            assert fk.ref_table in seen, f"{t.name} references {fk.ref_table} before it is loaded"
            assert fk.ref_table in names
        seen.add(t.name)


def test_every_table_and_column_has_a_bilingual_comment(con):
    tables = con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal").fetchall()
    assert len(tables) == 16
    for name, comment in tables:
        assert comment and COMMENT.match(comment), (name, comment)
    columns = con.execute("SELECT table_name, column_name, comment FROM duckdb_columns() "
                          "WHERE NOT internal").fetchall()
    assert len(columns) == sum(len(t.columns) for t in load_tables())
    for table, column, comment in columns:
        assert comment and COMMENT.match(comment), (table, column, comment)
    units = dict(((t, c), cm) for t, c, cm in columns)
    assert units["daily_bar", "close"] == "收盘价 | Close price | 元"
    assert units["daily_bar", "vol"] == "成交量 | Volume | 手"
    assert units["daily_bar", "amount"] == "成交额 | Turnover amount | 元"
    assert units["daily_bar", "pct_chg"] == "涨跌幅 | Percent change | %"


def test_keys_are_declared(con):
    kinds = con.execute(
        "SELECT constraint_type, COUNT(*) FROM duckdb_constraints() "
        "WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') GROUP BY 1").fetchall()
    assert dict(kinds) == {"PRIMARY KEY": 16, "FOREIGN KEY": sum(len(t.foreign_keys) for t in load_tables())}


# --- securities master ----------------------------------------------------------------------

def test_real_large_caps_keep_their_names(con):
    rows = dict(con.execute("SELECT ts_code, name FROM securities").fetchall())
    for cap in LARGE_CAPS:
        assert rows.get(cap.ts_code) == cap.name
    assert rows["600519.SH"] == "贵州茅台" and rows["300750.SZ"] == "宁德时代"
    assert one(con, "SELECT pinyin FROM securities WHERE ts_code = '600519.SH'") == "GZMT"
    assert one(con, "SELECT COUNT(DISTINCT name) = COUNT(*) FROM securities")


def test_board_and_exchange_follow_the_code(con):
    bad = one(con, """
        SELECT COUNT(*) FROM securities WHERE NOT (
            (board = '主板' AND substr(ts_code, 1, 3) IN ('600','601','603','605','000','001','002','003'))
            OR (board = '创业板' AND substr(ts_code, 1, 3) IN ('300', '301'))
            OR (board = '科创板' AND substr(ts_code, 1, 3) = '688'))
          OR (exchange = 'SSE') <> (ts_code LIKE '%.SH')
          OR symbol <> substr(ts_code, 1, 6)
          OR (status = '退市') <> (delist_date IS NOT NULL)""")
    assert bad == 0
    assert one(con, "SELECT COUNT(DISTINCT board) FROM securities") == 3
    assert one(con, "SELECT COUNT(*) FROM industry") == 31


# --- calendar -------------------------------------------------------------------------------

@pytest.mark.parametrize("day, is_open", [
    ("2024-10-01", False), ("2025-01-29", False), ("2024-02-09", False), ("2026-02-17", False),
    ("2023-01-02", False), ("2024-03-16", False),  # a Saturday
    ("2024-03-12", True), ("2025-06-03", True), ("2026-11-24", True),
])
def test_calendar_days(con, day, is_open):
    assert one(con, f"SELECT is_open FROM trade_calendar WHERE cal_date = DATE '{day}'") is is_open


def test_calendar_shape(con):
    assert one(con, "SELECT COUNT(*) FROM trade_calendar") == 1461
    assert one(con, "SELECT MIN(cal_date) FROM trade_calendar") == date(2023, 1, 1)
    assert one(con, "SELECT MAX(cal_date) FROM trade_calendar") == date(2026, 12, 31)
    assert one(con, "SELECT pretrade_date FROM trade_calendar WHERE cal_date = DATE '2024-10-08'") \
        == date(2024, 9, 30)
    assert one(con, "SELECT pretrade_date FROM trade_calendar WHERE cal_date = DATE '2023-01-03'") \
        == date(2022, 12, 30)
    years = dict(con.execute("SELECT year(cal_date), COUNT(*) FROM trade_calendar "
                             "WHERE is_open GROUP BY 1").fetchall())
    assert years[2023] == 242 and years[2024] == 242 and years[2025] == 243


# --- daily bars -----------------------------------------------------------------------------

def test_bar_prices_are_consistent(con):
    assert one(con, """
        SELECT COUNT(*) FROM daily_bar
        WHERE high < greatest(open, close) OR low > least(open, close) OR low <= 0
           OR change <> close - pre_close
           OR abs(pct_chg - change / pre_close * 100) > 0.00005001
           OR turnover_rate <= 0 OR vol <= 0
           OR amount < vol * 100 * low - 0.01 OR amount > vol * 100 * high + 0.01""") == 0


def test_pre_close_is_the_previous_close(con):
    assert one(con, """
        SELECT COUNT(*) FROM (
            SELECT pre_close, lag(close) OVER (PARTITION BY ts_code ORDER BY trade_date) AS prev
            FROM daily_bar) t
        WHERE prev IS NOT NULL AND prev <> pre_close""") == 0


def test_daily_limit_bands_by_board(con):
    assert one(con, """
        WITH b AS (
            SELECT d.*, CASE WHEN s.board = '主板' THEN 0.1 ELSE 0.2 END AS band
            FROM daily_bar d JOIN securities s ON s.ts_code = d.ts_code)
        SELECT COUNT(*) FROM b
        WHERE greatest(high, close) > round(pre_close * (1 + band), 2)
           OR least(low, close) < round(pre_close * (1 - band), 2)""") == 0
    # The bands bind: some main-board closes sit exactly at limit-up, some ChiNext moves exceed 10%.
    assert one(con, """SELECT COUNT(*) FROM daily_bar d JOIN securities s ON s.ts_code = d.ts_code
        WHERE s.board = '主板' AND d.close = round(d.pre_close * 1.1, 2)""") > 0
    assert one(con, """SELECT COUNT(*) FROM daily_bar d JOIN securities s ON s.ts_code = d.ts_code
        WHERE s.board <> '主板' AND d.pct_chg > 10.5""") > 0


def test_bars_only_on_open_days_within_listing(con):
    assert one(con, """SELECT COUNT(*) FROM daily_bar d JOIN trade_calendar c
        ON c.cal_date = d.trade_date WHERE NOT c.is_open""") == 0
    assert one(con, """SELECT COUNT(*) FROM daily_bar d JOIN securities s ON s.ts_code = d.ts_code
        WHERE d.trade_date < s.list_date OR d.trade_date >= s.delist_date""") == 0
    assert one(con, "SELECT MIN(trade_date) FROM daily_bar") == START_DATE
    assert one(con, "SELECT MAX(trade_date) FROM daily_bar") == AS_OF_DATE
    # Every listed security trades on every open day of the window once it is listed.
    assert one(con, """
        SELECT COUNT(*) FROM securities s
        WHERE (SELECT COUNT(*) FROM daily_bar d WHERE d.ts_code = s.ts_code) <>
              (SELECT COUNT(*) FROM trade_calendar c WHERE c.is_open
                 AND c.cal_date BETWEEN greatest(s.list_date, DATE '2023-01-03') AND DATE '2026-11-24'
                 AND (s.delist_date IS NULL OR c.cal_date < s.delist_date))""") == 0
    assert one(con, "SELECT COUNT(DISTINCT trade_date) FROM daily_bar") >= 3 * 242


# --- indexes, brokerage, funds --------------------------------------------------------------

def test_indexes(con):
    codes = {r[0] for r in con.execute("SELECT index_code FROM index_info").fetchall()}
    assert codes == {"000300.SH", "000016.SH", "000905.SH", "399006.SZ", "000688.SH",
                     "000001.SH", "399001.SZ"}
    for code, total in con.execute("SELECT index_code, SUM(weight) FROM index_member GROUP BY 1").fetchall():
        assert abs(total - 100) < 0.01, code
    assert one(con, """SELECT COUNT(*) FROM index_member m JOIN securities s ON s.ts_code = m.ts_code
        WHERE (m.index_code = '399006.SZ' AND s.board <> '创业板')
           OR (m.index_code = '000688.SH' AND s.board <> '科创板')
           OR (m.index_code IN ('000016.SH', '000001.SH') AND s.exchange <> 'SSE')""") == 0
    assert one(con, """SELECT COUNT(*) FROM index_daily
        WHERE high < greatest(open, close) OR low > least(open, close)
           OR change <> close - pre_close OR abs(pct_chg - change / pre_close * 100) > 0.00005001""") == 0
    assert one(con, "SELECT COUNT(*) FROM index_daily") == 7 * one(
        con, "SELECT COUNT(DISTINCT trade_date) FROM daily_bar")


def test_orders_trades_and_positions_agree(con):
    assert one(con, """SELECT COUNT(*) FROM orders o JOIN daily_bar d
        ON d.ts_code = o.ts_code AND d.trade_date = CAST(o.order_time AS DATE)
        WHERE o.price BETWEEN d.low AND d.high""") == one(con, "SELECT COUNT(*) FROM orders")
    assert one(con, """SELECT COUNT(*) FROM trade t JOIN orders o ON o.order_id = t.order_id
        WHERE t.account_id <> o.account_id OR t.ts_code <> o.ts_code OR t.side <> o.side
           OR t.qty > o.qty OR (o.status = '已成') <> (t.qty = o.qty) OR t.trade_time < o.order_time
           OR t.amount <> t.price * t.qty OR t.fee < 5""") == 0
    assert one(con, """SELECT COUNT(*) FROM orders o WHERE o.status = '已撤'
        AND EXISTS (SELECT 1 FROM trade t WHERE t.order_id = o.order_id)""") == 0
    assert one(con, """SELECT COUNT(*) FROM position p JOIN daily_bar d
        ON d.ts_code = p.ts_code AND d.trade_date = p.snapshot_date
        WHERE p.market_value = p.qty * d.close""") == one(con, "SELECT COUNT(*) FROM position")
    assert one(con, "SELECT COUNT(DISTINCT snapshot_date) FROM position") == 1
    values = {r[0] for r in con.execute("SELECT DISTINCT status FROM orders").fetchall()}
    assert values == {"已成", "部成", "已撤"}


def test_funds(con):
    assert {r[0] for r in con.execute("SELECT DISTINCT fund_type FROM fund_info").fetchall()} \
        == {"股票型", "债券型", "混合型", "货币型"}
    assert one(con, """SELECT COUNT(*) FROM fund_nav n JOIN fund_info f ON f.fund_code = n.fund_code
        WHERE n.nav_date < f.inception_date OR n.unit_nav <= 0 OR n.accum_nav < n.unit_nav
           OR (f.fund_type = '货币型' AND n.unit_nav <> 1)""") == 0
    assert one(con, """SELECT COUNT(*) FROM fund_nav n JOIN trade_calendar c ON c.cal_date = n.nav_date
        WHERE NOT c.is_open""") == 0


# --- the question set -----------------------------------------------------------------------

def load_questions() -> list[dict]:
    return [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]


def test_question_file_shape():
    qs = load_questions()
    assert len(qs) >= 44
    assert len({q["id"] for q in qs}) == len(qs)
    assert all(set(q) == {"id", "db_id", "lang", "question", "gold_sql"} for q in qs)
    assert all(q["db_id"] == DEMO_DB_ID for q in qs)
    langs = [q["lang"] for q in qs]
    assert langs.count("zh") == langs.count("en") == len(qs) // 2
    assert all(re.search(r"[\u4e00-\u9fff]", q["question"]) for q in qs if q["lang"] == "zh")


def test_gold_sql_runs_on_duckdb_and_returns_rows(con):
    for q in load_questions():
        rows = con.execute(q["gold_sql"]).fetchall()
        assert rows and any(v is not None for v in rows[0]), q["id"]


# --- PostgreSQL -----------------------------------------------------------------------------

def normalized(rows: list[tuple]) -> list[tuple]:
    def cell(v):
        if isinstance(v, Decimal | float | int) and not isinstance(v, bool):
            return float(v)
        return v.isoformat() if hasattr(v, "isoformat") else v
    return sorted((tuple(cell(v) for v in r) for r in rows), key=repr)


def same_rows(a: list[tuple], b: list[tuple]) -> bool:
    return len(a) == len(b) and all(
        len(x) == len(y) and all(
            math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-9) if isinstance(u, float) else u == v
            for u, v in zip(x, y, strict=True))
        for x, y in zip(normalized(a), normalized(b), strict=True))


def aggregates_sql(table) -> str:
    parts = ["COUNT(*)"]
    for c in table.columns:
        kind = c.type.upper()
        if kind.startswith(("DECIMAL", "INTEGER", "BIGINT")):
            parts.append(f"SUM({c.name})")
        elif kind in ("DATE", "TIMESTAMP"):
            parts += [f"MIN({c.name})", f"MAX({c.name})"]
        elif kind == "VARCHAR":
            parts.append(f"COUNT(DISTINCT {c.name})")
        else:
            parts.append(f"SUM(CASE WHEN {c.name} THEN 1 ELSE 0 END)")
    return f"SELECT {', '.join(parts)} FROM {table.name}"


@pytest.fixture(scope="module")
def pg_url(new_pg_database):
    """A fresh database of this module's own: the demo owns the `public` schema's tables."""
    return new_pg_database("demo")


@pytest.mark.postgres
def test_postgres_gets_identical_data(pg_url, built, con):
    import psycopg

    report = build_demo(pg_url, scale=SCALE, seed=42)
    assert report.rows == built[1].rows and report.target == pg_url
    with psycopg.connect(pg_url) as pg:
        for t in load_tables():
            sql = aggregates_sql(t)
            assert same_rows(pg.execute(sql).fetchall(), con.execute(sql).fetchall()), t.name
        comments = pg.execute("""
            SELECT c.relname, a.attname, col_description(c.oid, a.attnum)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.relkind = 'r'""").fetchall()
        assert len(comments) == sum(len(t.columns) for t in load_tables())
        assert all(cm and COMMENT.match(cm) for _, _, cm in comments)
        fks = pg.execute("SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f'").fetchone()[0]
        assert fks == sum(len(t.foreign_keys) for t in load_tables())
        for q in load_questions():
            assert same_rows(pg.execute(q["gold_sql"]).fetchall(),
                             con.execute(q["gold_sql"]).fetchall()), q["id"]
    # A second load drops and recreates the tables instead of failing or appending.
    assert build_demo(pg_url, scale=SCALE, seed=42).rows == report.rows


@pytest.mark.postgres
def test_postgres_unreachable_is_an_execution_error():
    from nl2sql.errors import ExecutionError

    with pytest.raises(ExecutionError) as e:
        build_demo("postgresql://postgres:pw@127.0.0.1:1/nowhere", scale=0.01)
    assert "pw" not in str(e.value)
