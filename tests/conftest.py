"""Shared fixtures for tests that need real database servers or files.

    pg_url     (session) URL of a fresh PostgreSQL database `nl2sql_test_<hex>` on
               127.0.0.1:5432 as user postgres; dropped when the session ends.
    new_pg_database  (session) new_pg_database(label) -> URL of another fresh database,
               for tests that need a `public` schema of their own; all dropped at the end.
    mysql_url  (session) the same on MariaDB/MySQL at 127.0.0.1:3306 as root.
    write_sql  write_sql(url, sql) runs DDL/DML over a read-write connection for any URL
               kind (duckdb, sqlite, postgresql, mysql); `sql` is one script string (several
               statements are fine) or a list of statements. Use it to build test data:
               nl2sql's own backends are read-only.

The databases are shared by the whole session: create tables with names your test module
owns (e.g. prefixed by the module name). The admin URLs can be overridden with
NL2SQL_TEST_PG_ADMIN and NL2SQL_TEST_MYSQL_ADMIN. These servers are part of the test
environment, so an unreachable one fails the tests loudly instead of skipping them.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Serving tests must not train plan models in the background (tests/test_learned.py turns
# it on where that is the subject); subprocesses inherit this too.
os.environ.setdefault("NL2SQL_AUTO_TRAIN", "false")

PG_ADMIN = os.environ.get("NL2SQL_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN = os.environ.get("NL2SQL_TEST_MYSQL_ADMIN", "mysql://root@127.0.0.1:3306/")


def _with_database(admin_url: str, name: str) -> str:
    """The admin URL pointing at another database."""
    return urlsplit(admin_url)._replace(path=f"/{name}").geturl()


@pytest.fixture(scope="session")
def new_pg_database() -> Iterator[Callable[[str], str]]:
    """new_pg_database(label): a throwaway PostgreSQL database, dropped when the session ends."""
    import psycopg

    def admin(sql: str) -> None:
        # A connection per call: a test that restarts the server must not break the others.
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)

    try:
        admin("SELECT 1")
    except psycopg.OperationalError as e:
        pytest.fail(f"PostgreSQL test server unreachable at {PG_ADMIN}: {e}")
    made: list[str] = []

    def create(label: str) -> str:
        name = f"nl2sql_test_{label}_{secrets.token_hex(4)}"
        admin(f'CREATE DATABASE "{name}"')
        made.append(name)
        return _with_database(PG_ADMIN, name)

    try:
        yield create
    finally:
        for name in made:
            admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_url(new_pg_database: Callable[[str], str]) -> str:
    """A throwaway PostgreSQL database for this test session."""
    return new_pg_database("shared")


@pytest.fixture(scope="session")
def new_mysql_database() -> Iterator[Callable[[str], str]]:
    """new_mysql_database(label): a throwaway MariaDB/MySQL database, dropped at the end."""
    import pymysql

    from nl2sql.backends.mysql import connect_params

    params = connect_params(MYSQL_ADMIN)
    try:
        admin = pymysql.connect(**params, autocommit=True, connect_timeout=5)
    except pymysql.MySQLError as e:
        pytest.fail(f"MariaDB test server unreachable at {MYSQL_ADMIN}: {e}")
    made: list[str] = []

    def create(label: str) -> str:
        name = f"nl2sql_test_{label}_{secrets.token_hex(4)}"
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        made.append(name)
        return _with_database(MYSQL_ADMIN, name)

    with closing(admin):
        try:
            yield create
        finally:
            with admin.cursor() as cur:
                for name in made:
                    cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture(scope="session")
def mysql_url(new_mysql_database: Callable[[str], str]) -> str:
    """A throwaway MariaDB/MySQL database shared by this test session's tests."""
    return new_mysql_database("shared")


def _statements(sql: str | Sequence[str]) -> list[str]:
    return [sql] if isinstance(sql, str) else list(sql)


def _write_postgres(url: str, sql: str | Sequence[str]) -> None:
    import psycopg

    dsn = "postgresql://" + url.split("://", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in _statements(sql):
            conn.execute(statement)  # no parameters: several statements per string are fine


def _write_mysql(url: str, sql: str | Sequence[str]) -> None:
    import pymysql
    from pymysql.constants import CLIENT

    from nl2sql.backends.mysql import connect_params

    conn = pymysql.connect(**connect_params(url), autocommit=True,
                           client_flag=CLIENT.MULTI_STATEMENTS)
    with closing(conn), conn.cursor() as cur:
        for statement in _statements(sql):
            cur.execute(statement)
            while cur.nextset():
                pass


def _write_duckdb(url: str, sql: str | Sequence[str]) -> None:
    import duckdb

    with duckdb.connect(_file(url)) as con:
        for statement in _statements(sql):
            con.execute(statement)


def _write_sqlite(url: str, sql: str | Sequence[str]) -> None:
    with closing(sqlite3.connect(_file(url))) as con:
        for statement in _statements(sql):
            con.executescript(statement)
        con.commit()


def _file(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return "/" + rest.lstrip("/") if rest.startswith("/") else str(Path(rest).resolve())


_WRITERS: dict[str, Callable[[str, str | Sequence[str]], None]] = {
    "postgresql": _write_postgres, "postgres": _write_postgres,
    "mysql": _write_mysql, "mariadb": _write_mysql,
    "duckdb": _write_duckdb, "sqlite": _write_sqlite,
}


@pytest.fixture(scope="session")
def write_sql() -> Callable[[str, str | Sequence[str]], None]:
    """write_sql(url, sql): run DDL/DML read-write against a test database (creates files)."""

    def write(url: str, sql: str | Sequence[str]) -> None:
        scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
        _WRITERS[scheme](url, sql)

    return write
