"""SQLite: read-only (`mode=ro`) connections, reused; a progress handler enforces the timeout."""

from __future__ import annotations

import sqlite3
import time
from urllib.parse import quote

from nl2sql.backends._limits import (
    IdlePool,
    LimitedBackend,
    Rows,
    column_names,
    file_path,
    timed_out,
)
from nl2sql.backends.base import redact, register
from nl2sql.errors import ExecutionError

__all__ = ["SQLiteBackend"]

# The progress handler runs every this many virtual machine instructions (~tens of µs).
_CHECK_EVERY = 1000


@register("sqlite")
class SQLiteBackend(LimitedBackend):
    """`sqlite:///abs/path.db`, opened read-only; the file must exist."""

    dialect = "sqlite"

    def __init__(self, url: str, **limits: int) -> None:
        super().__init__(url, **limits)
        # mode=ro never creates the file, and refuses every write at the pager level.
        self._uri = f"file:{quote(str(file_path(url)))}?mode=ro"
        self._pool: IdlePool[sqlite3.Connection] = IdlePool(self._connect, sqlite3.Connection.close)
        first = self._connect()
        try:
            first.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except sqlite3.Error as e:
            first.close()
            raise ExecutionError(f"cannot open {redact(url)}: {e}") from None
        self._pool.put(first)

    def _connect(self) -> sqlite3.Connection:
        try:
            con = sqlite3.connect(self._uri, uri=True, check_same_thread=False,
                                  isolation_level=None)
        except sqlite3.Error as e:
            raise ExecutionError(f"cannot open {redact(self.url)}: {e}") from None
        con.execute("PRAGMA query_only = ON")
        # ATTACH could name another file (even create one); a read-only gateway never needs it.
        con.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        return con

    def _execute(self, sql: str, fetch: int, timeout_ms: int) -> tuple[tuple[str, ...], Rows]:
        con = self._pool.get()
        deadline = time.monotonic() + timeout_ms / 1000
        con.set_progress_handler(lambda: time.monotonic() > deadline, _CHECK_EVERY)
        try:
            cur = con.execute(sql)
            try:
                # Rows are computed lazily while fetching, so the handler stays on until here.
                rows = cur.fetchmany(fetch) if cur.description else []
                return column_names(cur.description), rows
            finally:
                cur.close()
        except sqlite3.Error as e:
            if time.monotonic() > deadline and "interrupt" in str(e):
                raise timed_out(timeout_ms) from None
            raise ExecutionError(str(e), code=getattr(e, "sqlite_errorname", None)) from None
        finally:
            con.set_progress_handler(None, 0)
            self._pool.put(con)

    def _close(self) -> None:
        self._pool.close()
