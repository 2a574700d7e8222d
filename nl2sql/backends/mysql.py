"""MySQL and MariaDB through PyMySQL: pooled connections, each query in a read-only
transaction that is rolled back, with the timeout and row cap enforced by the server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pymysql
import pymysql.cursors

from nl2sql.backends._limits import (
    BrokenConnection,
    IdlePool,
    LimitedBackend,
    Rows,
    column_names,
    timed_out,
)
from nl2sql.backends.base import redact, register
from nl2sql.errors import ConfigError, ExecutionError

__all__ = ["MySQLBackend", "connect_params"]

_CONNECT_TIMEOUT_S = 5
# Server error codes of a statement stopped by its time limit (MariaDB, MySQL).
_TIMEOUT_CODES = {1969, 3024}
# Client error codes after which the connection is unusable: 2006 gone away, 2013 lost.
_BROKEN_CODES = {2006, 2013, 2014, 2055}
_URL_OPTIONS = {"charset", "unix_socket"}


def _mariadb(sql: str, fetch: int, timeout_ms: int) -> list[str]:
    # Per-statement settings: the time limit (seconds) and a server-side row cap.
    return [f"SET STATEMENT max_statement_time={timeout_ms / 1000:.3f}, "
            f"sql_select_limit={fetch} FOR {sql}"]


def _mysql(sql: str, fetch: int, timeout_ms: int) -> list[str]:
    # MySQL has no SET STATEMENT; max_execution_time (ms) applies to SELECTs only.
    return [f"SET SESSION max_execution_time={timeout_ms}, sql_select_limit={fetch}", sql]


# The statements that run `sql` under the limits, by server flavour.
_FLAVOURS: dict[str, Callable[[str, int, int], list[str]]] = {"mariadb": _mariadb, "mysql": _mysql}


def connect_params(url: str) -> dict[str, Any]:
    """PyMySQL keyword arguments for a mysql:// (mariadb://, mysql+pymysql://) URL.

    >>> connect_params("mysql://root@127.0.0.1:3306/test")["database"]
    'test'
    """
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    unknown = set(options) - _URL_OPTIONS
    if unknown:
        raise ConfigError(f"unsupported options {sorted(unknown)} in {redact(url)}; "
                          f"known: {sorted(_URL_OPTIONS)}")
    try:
        port = parts.port or 3306
    except ValueError as e:
        raise ConfigError(f"bad port in {redact(url)}: {e}") from None
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": port,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")) or None,
        "charset": options.get("charset", "utf8mb4"),
        **({"unix_socket": options["unix_socket"]} if "unix_socket" in options else {}),
    }


@register("mysql", "mariadb")
class MySQLBackend(LimitedBackend):
    """`mysql://user[:pw]@host[:port]/db` (also mariadb://, mysql+pymysql://)."""

    dialect = "mysql"

    def __init__(self, url: str, **limits: int) -> None:
        super().__init__(url, **limits)
        self._params = connect_params(url)
        first = self._connect()
        self.flavour = "mariadb" if "mariadb" in first.get_server_info().lower() else "mysql"
        self._pool: IdlePool[pymysql.connections.Connection] = IdlePool(
            self._connect, pymysql.connections.Connection.close
        )
        self._pool.put(first)

    def _connect(self) -> pymysql.connections.Connection:
        try:
            conn = pymysql.connect(**self._params, autocommit=False,
                                   connect_timeout=_CONNECT_TIMEOUT_S)
            with conn.cursor() as cur:
                cur.execute("SET SESSION TRANSACTION READ ONLY")
        except pymysql.MySQLError as e:
            raise ExecutionError(f"cannot connect to {redact(self.url)}: {_message(e)}",
                                 reason="no_connection") from None
        return conn

    def _execute(self, sql: str, fetch: int, timeout_ms: int) -> tuple[tuple[str, ...], Rows]:
        return self._retry_once(lambda: self._attempt(sql, fetch, timeout_ms))

    def _attempt(self, sql: str, fetch: int, timeout_ms: int) -> tuple[tuple[str, ...], Rows]:
        conn = self._pool.get()
        healthy = True
        try:
            # Unbuffered: rows stream in as fetched instead of all landing in memory first.
            with conn.cursor(pymysql.cursors.SSCursor) as cur:
                cur.execute("START TRANSACTION READ ONLY")
                for statement in _FLAVOURS[self.flavour](sql, fetch, timeout_ms):
                    cur.execute(statement)
                rows = list(cur.fetchmany(fetch)) if cur.description else []
                return column_names(cur.description), rows
        except pymysql.MySQLError as e:
            code = _code(e)
            healthy = code not in _BROKEN_CODES and not isinstance(e, pymysql.InterfaceError)
            if not healthy:
                raise BrokenConnection(_message(e)) from None
            if code in _TIMEOUT_CODES:
                raise timed_out(timeout_ms) from None
            raise ExecutionError(_message(e), code=code) from None
        finally:
            healthy = healthy and _rollback(conn)
            (self._pool.put if healthy else self._pool.discard)(conn)

    def _close(self) -> None:
        self._pool.close()


def _rollback(conn: pymysql.connections.Connection) -> bool:
    try:
        conn.rollback()
        return True
    except pymysql.MySQLError:
        return False


def _code(e: pymysql.MySQLError) -> int | None:
    return e.args[0] if e.args and isinstance(e.args[0], int) else None


def _message(e: pymysql.MySQLError) -> str:
    return str(e.args[1] if len(e.args) > 1 else e)
