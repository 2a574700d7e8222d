"""PostgreSQL through psycopg 3 and a connection pool; every query in a rolled-back,
read-only transaction, rows read through a server-side cursor so at most `max_rows + 1`
rows ever cross the network."""

from __future__ import annotations

import re
from contextlib import suppress

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from nl2sql.backends._limits import BrokenConnection, LimitedBackend, Rows, column_names, timed_out
from nl2sql.backends.base import redact, register
from nl2sql.errors import ConfigError, ExecutionError

__all__ = ["PostgresBackend"]

_CONNECT_TIMEOUT_S = 5
_CURSOR = "nl2sql_rows"
_DECLARE = f"DECLARE {_CURSOR} NO SCROLL CURSOR FOR "
# Statements a cursor can be declared for; others (EXPLAIN, SHOW) return few rows anyway.
_CURSORABLE = re.compile(r"^(?:\s|--[^\n]*\n|/\*.*?\*/|\()*(select|with|values|table)\b",
                         re.IGNORECASE | re.DOTALL)


def conninfo(url: str, statement_timeout_ms: int) -> str:
    """libpq connection string for the URL, with the read-only session options added.

    >>> conninfo("postgresql+psycopg://u@h/db", 5000)  # doctest: +ELLIPSIS
    "... options='-c default_transaction_read_only=on -c statement_timeout=5000 ..."
    """
    scheme, _, rest = url.partition("://")
    try:
        params = conninfo_to_dict(f"postgresql://{rest}")
    except psycopg.ProgrammingError as e:
        raise ConfigError(f"bad PostgreSQL URL {redact(url)}: {e}") from None
    session = (
        "-c default_transaction_read_only=on"
        f" -c statement_timeout={statement_timeout_ms}"
        # Cursors are read to the end like plain queries: plan them as such, not for first rows.
        " -c cursor_tuple_fraction=1"
    )
    params["options"] = f"{session} {params.get('options', '')}".strip()
    params.setdefault("connect_timeout", _CONNECT_TIMEOUT_S)
    params.setdefault("application_name", "nl2sql")
    return make_conninfo("", **params)


@register("postgresql", "postgres")
class PostgresBackend(LimitedBackend):
    """`postgresql://user[:pw]@host[:port]/db` (also postgres://, postgresql+psycopg://)."""

    dialect = "postgres"

    def __init__(self, url: str, **limits: int) -> None:
        super().__init__(url, **limits)
        dsn = conninfo(url, self.limits.statement_timeout_ms)
        # Probe once so a bad host, password or database name fails here with the
        # server's reason, not later as an anonymous pool timeout.
        try:
            psycopg.connect(dsn).close()
        except psycopg.Error as e:
            raise ExecutionError(f"cannot connect to {redact(url)}: {_message(e)}") from None
        self._pool = ConnectionPool(
            dsn, min_size=1, max_size=self.limits.max_concurrency,
            kwargs={"autocommit": False}, open=True, name=f"nl2sql {redact(url)}",
        )

    def _execute(self, sql: str, fetch: int, timeout_ms: int) -> tuple[tuple[str, ...], Rows]:
        return self._retry_once(lambda: self._attempt(sql, fetch, timeout_ms))

    def _attempt(self, sql: str, fetch: int, timeout_ms: int) -> tuple[tuple[str, ...], Rows]:
        try:
            with self._pool.connection(timeout=_CONNECT_TIMEOUT_S) as conn:
                try:
                    return _query(conn, sql, fetch, timeout_ms, self.limits.statement_timeout_ms)
                except psycopg.OperationalError as e:
                    if conn.broken:  # the pool discards it on return
                        raise BrokenConnection(_message(e)) from None
                    raise
                finally:
                    _rollback(conn)
        except PoolTimeout:
            raise ExecutionError(
                f"no connection to {redact(self.url)} within {_CONNECT_TIMEOUT_S} s",
                reason="no_connection") from None
        except psycopg.Error as e:
            if isinstance(e, pg_errors.QueryCanceled) and "timeout" in _message(e):
                raise timed_out(timeout_ms) from None
            offset = len(_DECLARE) if _CURSORABLE.match(sql) else 0
            raise _error(e, offset) from None

    def _close(self) -> None:
        self._pool.close()


def _query(
    conn: psycopg.Connection, sql: str, fetch: int, timeout_ms: int, default_ms: int
) -> tuple[tuple[str, ...], Rows]:
    with conn.cursor() as cur:
        if timeout_ms != default_ms:  # the session default is set at connect: saves a round trip
            cur.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
        if _CURSORABLE.match(sql):
            cur.execute(_DECLARE + sql)
            cur.execute(f"FETCH FORWARD {int(fetch)} FROM {_CURSOR}")
            rows = cur.fetchall()
        else:
            cur.execute(sql)
            rows = cur.fetchmany(fetch) if cur.description else []
        return column_names(cur.description), rows


def _rollback(conn: psycopg.Connection) -> None:
    with suppress(psycopg.Error):  # a broken connection; the pool discards it on return
        conn.rollback()


def _message(e: psycopg.Error) -> str:
    diag = getattr(e, "diag", None)
    primary = diag.message_primary if diag is not None else None
    return (primary or str(e)).strip()


def _error(e: psycopg.Error, offset: int) -> ExecutionError:
    """The database's message, with the error position mapped back into the caller's SQL."""
    position = None
    raw = e.diag.statement_position if e.diag is not None else None
    if raw and int(raw) > offset:
        position = int(raw) - offset
    hint = e.diag.message_hint if e.diag is not None else None
    message = _message(e) + (f" (hint: {hint})" if hint else "")
    return ExecutionError(message, code=e.sqlstate, position=position)
