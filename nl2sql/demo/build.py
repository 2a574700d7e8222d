"""build_demo: generate the warehouse and load it into a DuckDB file or a PostgreSQL database."""

from __future__ import annotations

import os
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from nl2sql.backends.base import redact
from nl2sql.catalog.model import Table
from nl2sql.demo.brokerage import make_brokerage
from nl2sql.demo.declaration import (
    comment_statements,
    constraint_statements,
    create_statement,
    load_tables,
)
from nl2sql.demo.funds import make_funds
from nl2sql.demo.indexes import make_indexes
from nl2sql.demo.market import (
    MAX_SCALE,
    NULL_DAY,
    bar_frame,
    industry_frame,
    make_securities,
    simulate_bars,
)
from nl2sql.demo.mysql_target import copy_to_mysql
from nl2sql.demo.trading_calendar import calendar_frame, open_days
from nl2sql.errors import ConfigError, ExecutionError, InputError

__all__ = ["AS_OF_DATE", "DEMO_DB_ID", "START_DATE", "BuildReport", "build_demo"]

DEMO_DB_ID = "trading"
START_DATE = date(2023, 1, 3)  # the first bar
AS_OF_DATE = date(2026, 11, 24)  # the last bar: a Tuesday and an open day

Frame = dict[str, np.ndarray]
Progress = Callable[[str, float], None]

# Cumulative share of the build done when each generation stage has been loaded.
_STAGE_DONE = {"calendar": 0.02, "securities": 0.05, "daily_bar": 0.60, "indexes": 0.66,
               "funds": 0.75, "brokerage": 0.88}


@dataclass(frozen=True)
class BuildReport:
    """What build_demo built: where, from which seed and scale, how long, how many rows."""

    target: str
    seed: int
    scale: float
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    as_of: date = AS_OF_DATE


def _rng(seed: int, stage: str) -> np.random.Generator:
    # One stream per stage, so a change in one generator leaves the others' data alone.
    return np.random.default_rng([seed, zlib.crc32(stage.encode())])


def _frames(scale: float, seed: int) -> Iterator[tuple[str, dict[str, Frame]]]:
    """(stage, {table: frame}) in load order; big intermediates are freed stage by stage."""
    days = open_days(START_DATE, AS_OF_DATE)
    yield "calendar", {"industry": industry_frame(), "trade_calendar": calendar_frame()}
    universe, securities = make_securities(_rng(seed, "securities"), scale, days)
    yield "securities", {"securities": securities}
    bars = simulate_bars(universe, days, _rng(seed, "bars"))
    yield "daily_bar", {"daily_bar": bar_frame(universe, bars)}
    yield "indexes", make_indexes(universe, bars, scale, _rng(seed, "indexes"))
    yield "funds", make_funds(_rng(seed, "funds"), scale, days, bars.market)
    yield "brokerage", make_brokerage(_rng(seed, "brokerage"), scale, universe, bars)


def _select_expr(col_name: str, col_type: str, values: np.ndarray) -> str:
    """How a frame column becomes a table column: day numbers to DATE, seconds to TIMESTAMP."""
    ref = f'_frame."{col_name}"'
    kind = col_type.upper()
    if np.issubdtype(values.dtype, np.integer) and kind == "DATE":
        return f"DATE '1970-01-01' + NULLIF({ref}, {NULL_DAY})"
    if np.issubdtype(values.dtype, np.integer) and kind == "TIMESTAMP":
        return f"make_timestamp({ref} * 1000000)"
    return f"CAST({ref} AS {col_type})"


def _insert(con: duckdb.DuckDBPyConnection, table: Table, frame: Frame) -> int:
    names = [c.name for c in table.columns]
    if list(frame) != names:
        raise ConfigError(f"the demo declaration of {table.name} has columns {names}, "
                          f"its generator makes {list(frame)}")
    exprs = ", ".join(_select_expr(c.name, c.type, frame[c.name]) for c in table.columns)
    con.register("_frame", frame)
    try:
        con.execute(f"INSERT INTO {table.name} SELECT {exprs} FROM _frame")
    finally:
        con.unregister("_frame")
    return len(frame[names[0]])


def _populate(
    con: duckdb.DuckDBPyConnection, scale: float, seed: int, progress: Progress | None,
    share: float,
) -> dict[str, int]:
    """Create the tables (with keys and comments) and load every generated frame."""
    tables = {t.name: t for t in load_tables()}
    for t in tables.values():
        con.execute(create_statement(t))
    rows: dict[str, int] = {}
    for stage, frames in _frames(scale, seed):
        for name, frame in frames.items():
            rows[name] = _insert(con, tables[name], frame)
        if progress:
            progress(stage, _STAGE_DONE[stage] * share)
    for t in tables.values():
        for stmt in comment_statements(t):
            con.execute(stmt)
    missing = set(tables) - set(rows)
    if missing:
        raise ConfigError(f"the demo declaration has tables no generator makes: {sorted(missing)}")
    return {name: rows[name] for name in tables}


def _connect(database: str) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(database)
    con.execute("SET enable_progress_bar = false")  # the caller shows progress via `progress`
    return con


def _build_duckdb(path: Path, scale: float, seed: int, progress: Progress | None) -> dict[str, int]:
    """Build into a temporary file next to `path`, then rename it over `path`."""
    if path.is_dir():
        raise ConfigError(f"the demo target {path} is a directory; name a .duckdb file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"cannot create the folder for the demo target {path}: {e}") from e
    tmp = path.with_name(f".{path.name}.{os.getpid()}.building")
    _remove(tmp)
    try:
        con = _connect(str(tmp))
        try:
            rows = _populate(con, scale, seed, progress, share=0.97)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        _remove(Path(f"{path}.wal"))  # a stale WAL would be replayed onto the new file
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    if progress:
        progress("done", 1.0)
    return rows


def _remove(path: Path) -> None:
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)


def _build_postgres(url: str, scale: float, seed: int, progress: Progress | None) -> dict[str, int]:
    """Generate in an in-memory DuckDB, then COPY each table as CSV into PostgreSQL."""
    try:
        import psycopg
    except ImportError as e:  # pragma: no cover - psycopg is a declared optional dependency
        raise ConfigError("loading the demo into PostgreSQL needs psycopg: pip install "
                          "'nl2sql[postgres]'") from e
    try:
        pg = psycopg.connect(url)  # before generating, so a bad URL fails fast
    except psycopg.Error as e:
        raise ExecutionError(f"cannot connect to {redact(url)}: {e}") from e
    con = _connect(":memory:")
    try:
        rows = _populate(con, scale, seed, progress, share=0.5)
        with pg:
            _copy_to_postgres(con, pg, rows, progress)
    except psycopg.Error as e:
        raise ExecutionError(f"loading the demo into {redact(url)} failed: {e}") from e
    finally:
        con.close()
        pg.close()
    if progress:
        progress("done", 1.0)
    return rows


def _copy_to_postgres(
    con: duckdb.DuckDBPyConnection, pg: Any, rows: dict[str, int], progress: Progress | None
) -> None:
    tables = load_tables()
    total = sum(rows.values()) or 1
    done = 0
    with pg.cursor() as cur, tempfile.TemporaryDirectory(prefix="nl2sql-demo-") as tmp:
        cur.execute("SET LOCAL search_path TO public")
        cur.execute("SET LOCAL maintenance_work_mem TO '512MB'")
        for t in reversed(tables):
            cur.execute(f"DROP TABLE IF EXISTS {t.name} CASCADE")
        for t in tables:
            cur.execute(create_statement(t, constraints=False))
        for t in tables:
            _copy_table(con, cur, t, Path(tmp) / f"{t.name}.csv")
            done += rows[t.name]
            if progress:
                progress(f"postgres:{t.name}", 0.5 + 0.4 * done / total)
        for t in tables:
            for stmt in constraint_statements(t) + comment_statements(t):
                cur.execute(stmt)
        if progress:
            progress("postgres:constraints", 0.97)
    pg.commit()
    pg.autocommit = True
    pg.execute("ANALYZE")


def _copy_table(con: duckdb.DuckDBPyConnection, cur: Any, table: Table, csv: Path) -> None:
    literal = str(csv).replace("'", "''")
    con.execute(f"COPY {table.name} TO '{literal}' (FORMAT csv, HEADER true)")
    with cur.copy(f"COPY {table.name} FROM STDIN (FORMAT csv, HEADER true)") as copy, \
            open(csv, "rb") as f:
        while chunk := f.read(1 << 20):
            copy.write(chunk)
    csv.unlink()


def _build_mysql(url: str, scale: float, seed: int, progress: Progress | None) -> dict[str, int]:
    """Generate in an in-memory DuckDB, then insert each table into MySQL/MariaDB."""
    con = _connect(":memory:")
    try:
        rows = _populate(con, scale, seed, progress, share=0.5)
        copy_to_mysql(con, url)
    finally:
        con.close()
    if progress:
        progress("done", 1.0)
    return rows


def _parse_target(target: str | Path) -> tuple[str, str]:
    """('duckdb', path), ('postgres', url) or ('mysql', url); else a ConfigError."""
    text = str(target).strip()
    if not text:
        raise ConfigError("the demo target is empty: give a DuckDB file path or a PostgreSQL URL")
    scheme, sep, rest = text.partition("://")
    if not sep:
        return "duckdb", text
    scheme = scheme.split("+", 1)[0].lower()
    if scheme == "duckdb":
        path = rest[1:] if rest.startswith("/") else rest
        if not path or path == ":memory:":
            raise ConfigError(f"the demo target {text!r} names no DuckDB file")
        return "duckdb", path
    if scheme in ("postgresql", "postgres"):
        return "postgres", "postgresql://" + rest
    if scheme in ("mysql", "mariadb"):
        return "mysql", "mysql://" + rest
    raise ConfigError(
        f"cannot build the demo into {redact(text)!r}: use a DuckDB file path, "
        "duckdb:///path/file.duckdb, postgresql://user@host/db or mysql://user@host/db"
    )


def _check(scale: float, seed: int) -> None:
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 < scale <= MAX_SCALE:
        raise InputError(f"scale must be a number in (0, {MAX_SCALE}], got {scale!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")


def build_demo(
    target: str | Path,
    *,
    scale: float = 1.0,
    seed: int = 42,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the demo trading warehouse deterministically from `seed`.

    Args:
        target: a DuckDB file path (or duckdb:///path), replaced atomically; or a
            postgresql:// URL whose public schema gets the demo tables dropped and recreated.
        scale: multiplies securities, customers, orders, funds (1.0 = 5,200 securities).
        seed: the same seed and scale give the same data, on either database.
        progress: called as progress(stage, fraction_done) when each stage finishes.
    """
    _check(scale, seed)
    kind, location = _parse_target(target)
    started = time.perf_counter()
    if kind == "duckdb":
        rows = _build_duckdb(Path(location).expanduser(), scale, seed, progress)
        shown = str(Path(location).expanduser())
    else:
        build = _build_postgres if kind == "postgres" else _build_mysql
        rows = build(location, scale, seed, progress)
        shown = redact(location)
    return BuildReport(shown, seed, float(scale), time.perf_counter() - started, rows)

