"""Read-only connections that run gold and predicted queries for scoring.

Scoring needs every row (a row cap would make different results look equal) and a per-query
timeout, which the gateway's backends deliberately do not offer, so the harness keeps its own
three small drivers: SQLite (`mode=ro` URI, a progress-handler deadline), DuckDB (read_only,
`interrupt()` from a timer) and PostgreSQL (psycopg, read-only session, statement_timeout).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from nl2sql.errors import ConfigError, ExecutionError

__all__ = ["DEFAULT_MAX_ROWS", "ScoringDatabase", "connect_scoring", "url_dialect"]

Row = tuple[Any, ...]

# Far above any benchmark gold result; stops a runaway cross join from eating memory.
DEFAULT_MAX_ROWS = 200_000
_FETCH_BATCH = 5_000

_SCHEME_DIALECTS = {
    "sqlite": "sqlite",
    "duckdb": "duckdb",
    "postgresql": "postgres",
    "postgres": "postgres",
}


class ScoringDatabase(Protocol):
    """Runs one statement and returns all its rows, or raises ExecutionError."""

    dialect: str

    def fetch(self, sql: str, timeout_s: float) -> list[Row]: ...

    def close(self) -> None: ...


def url_dialect(url: str) -> str:
    """The sqlglot dialect of a scoring URL.

    >>> url_dialect("postgresql+psycopg://u@h/db")
    'postgres'
    """
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    if "://" not in url or scheme not in _SCHEME_DIALECTS:
        known = ", ".join(sorted(_SCHEME_DIALECTS))
        raise ConfigError(f"cannot score on {url!r}: the URL scheme must be one of {known}")
    return _SCHEME_DIALECTS[scheme]


def _file_path(url: str) -> Path:
    return Path(url.split("://", 1)[1][1:])


def _fetch_capped(cursor: Any, max_rows: int) -> list[Row]:
    rows: list[Row] = []
    while batch := cursor.fetchmany(_FETCH_BATCH):
        rows.extend(tuple(r) for r in batch)
        if len(rows) > max_rows:
            raise ExecutionError(f"result has more than {max_rows} rows", max_rows=max_rows)
    return rows


class _Sqlite:
    dialect = "sqlite"

    def __init__(self, path: Path, max_rows: int) -> None:
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        try:
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as e:
            raise ExecutionError(f"cannot open SQLite file {path}: {e}", path=str(path)) from e
        # Some Spider rows hold bytes that are not UTF-8; the official evaluator ignores them too.
        self._conn.text_factory = lambda b: b.decode("utf-8", errors="replace")
        self._max_rows = max_rows

    def fetch(self, sql: str, timeout_s: float) -> list[Row]:
        deadline = time.monotonic() + timeout_s
        self._conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            return _fetch_capped(self._conn.execute(sql), self._max_rows)
        except (sqlite3.Error, sqlite3.Warning) as e:
            if time.monotonic() > deadline:
                raise ExecutionError(f"timed out after {timeout_s:g} s", timeout_s=timeout_s) from e
            raise ExecutionError(str(e)) from e
        except (ValueError, OverflowError) as e:
            raise ExecutionError(str(e)) from e
        finally:
            self._conn.set_progress_handler(None, 0)

    def close(self) -> None:
        self._conn.close()


class _DuckDB:
    dialect = "duckdb"

    def __init__(self, path: Path, max_rows: int) -> None:
        import duckdb

        if not path.is_file():
            raise ExecutionError(f"no DuckDB file at {path}", path=str(path))
        try:
            self._conn = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as e:
            raise ExecutionError(f"cannot open DuckDB file {path}: {e}", path=str(path)) from e
        self._error = duckdb.Error
        self._max_rows = max_rows

    def fetch(self, sql: str, timeout_s: float) -> list[Row]:
        fired = threading.Event()

        def stop() -> None:
            fired.set()
            self._conn.interrupt()

        timer = threading.Timer(timeout_s, stop)
        timer.start()
        try:
            return _fetch_capped(self._conn.execute(sql), self._max_rows)
        except self._error as e:
            if fired.is_set():
                raise ExecutionError(f"timed out after {timeout_s:g} s", timeout_s=timeout_s) from e
            raise ExecutionError(str(e)) from e
        finally:
            timer.cancel()

    def close(self) -> None:
        self._conn.close()


class _Postgres:
    dialect = "postgres"

    def __init__(self, url: str, max_rows: int) -> None:
        import psycopg

        url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
            self._conn.execute("SET default_transaction_read_only = on")
        except psycopg.Error as e:
            raise ExecutionError(f"cannot connect for scoring: {e}") from e
        self._error = psycopg.Error
        self._timeout_error = psycopg.errors.QueryCanceled
        self._max_rows = max_rows

    def fetch(self, sql: str, timeout_s: float) -> list[Row]:
        try:
            with self._conn.cursor() as cur:
                cur.execute(f"SET statement_timeout = {max(1, int(timeout_s * 1000))}")
                cur.execute(sql.encode())
                return _fetch_capped(cur, self._max_rows) if cur.description else []
        except self._timeout_error as e:
            raise ExecutionError(f"timed out after {timeout_s:g} s", timeout_s=timeout_s) from e
        except self._error as e:
            raise ExecutionError(str(e).strip()) from e

    def close(self) -> None:
        self._conn.close()


def connect_scoring(url: str, max_rows: int = DEFAULT_MAX_ROWS) -> ScoringDatabase:
    """Open a read-only scoring connection for a sqlite://, duckdb:// or postgresql:// URL."""
    dialect = url_dialect(url)
    if dialect == "postgres":
        return _Postgres(url, max_rows)
    path = _file_path(url)
    if not path.is_file():
        raise ExecutionError(f"no database file at {path}", path=str(path))
    return _Sqlite(path, max_rows) if dialect == "sqlite" else _DuckDB(path, max_rows)
