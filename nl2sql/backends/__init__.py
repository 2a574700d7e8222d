"""Backends: read-only execution with timeouts, row caps and a concurrency limit."""

from __future__ import annotations

from typing import Any, NoReturn

from nl2sql.backends import duckdb, replicas, sqlite  # noqa: F401  (duckdb://, replicas+..://, sqlite://)
from nl2sql.backends.base import Backend, Result, open_backend, redact, register
from nl2sql.errors import ConfigError

__all__ = ["Backend", "Result", "open_backend", "redact"]


def _needs(extra: str, driver: str, *schemes: str) -> None:
    """Register a stand-in that explains which optional driver to install."""

    def missing(url: str, **_: Any) -> NoReturn:
        raise ConfigError(f"{redact(url)} needs the {driver} driver: pip install 'nl2sql[{extra}]'")

    register(*schemes)(missing)


try:
    from nl2sql.backends import postgres  # noqa: F401  (registers postgresql://, postgres://)
except ImportError:
    _needs("postgres", "psycopg", "postgresql", "postgres")

try:
    from nl2sql.backends import mysql  # noqa: F401  (registers mysql://, mariadb://)
except ImportError:
    _needs("mysql", "pymysql", "mysql", "mariadb")
