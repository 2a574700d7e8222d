"""DuckDB, the embedded default: one read-only connection, a cursor per query."""

from __future__ import annotations

import threading

import duckdb

from nl2sql.backends._limits import (
    WATCHDOG,
    LimitedBackend,
    Rows,
    column_names,
    file_path,
    timed_out,
)
from nl2sql.backends.base import redact, register
from nl2sql.errors import ExecutionError

__all__ = ["DuckDBBackend"]

# read_only stops writes to the database file, but not COPY ... TO, ATTACH or read_csv('/etc/..'):
# external access goes off too, and DuckDB refuses to switch it back on while running. It is
# SET after connecting, not passed as config, because connections to one file in a process
# share an instance that other code (a test, the demo builder) may open with default config.
_LOCKDOWN = "SET enable_external_access = false"


@register("duckdb")
class DuckDBBackend(LimitedBackend):
    """`duckdb:///abs/path.duckdb`, opened read-only; the file must exist."""

    dialect = "duckdb"

    def __init__(self, url: str, **limits: int) -> None:
        super().__init__(url, **limits)
        path = file_path(url)
        try:
            self._con = duckdb.connect(str(path), read_only=True)
            self._con.execute(_LOCKDOWN)
        except duckdb.Error as e:
            raise ExecutionError(f"cannot open {redact(url)}: {e}") from None
        self._cursor_lock = threading.Lock()

    def _execute(self, sql: str, fetch: int, timeout_ms: int) -> tuple[tuple[str, ...], Rows]:
        # A fresh cursor per query (a few microseconds) so no state, temp tables included,
        # leaks between callers; the parent connection is not safe to share across threads.
        with self._cursor_lock:
            cur = self._con.cursor()
        alarm = WATCHDOG.arm(timeout_ms / 1000, cur.interrupt)
        try:
            cur.execute(sql)
            rows = cur.fetchmany(fetch) if cur.description else []
            return column_names(cur.description), rows
        except duckdb.Error as e:
            if WATCHDOG.disarm(alarm):
                raise timed_out(timeout_ms) from None
            raise ExecutionError(str(e).strip(), code=type(e).__name__) from None
        finally:
            WATCHDOG.disarm(alarm)
            cur.close()

    def _close(self) -> None:
        with self._cursor_lock:
            self._con.close()
