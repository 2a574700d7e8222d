"""Load the demo warehouse into MySQL/MariaDB: the same rows, keys and comments as DuckDB.

The DDL is the declaration's own CREATE TABLE transpiled by sqlglot. Two things MySQL needs
that the declaration leaves open are set on the syntax tree, not in the text: a length for
VARCHAR (MySQL has no unbounded VARCHAR, and the TEXT it would become cannot be a key) and
column comments inline (MySQL has no COMMENT ON).
"""

from __future__ import annotations

from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from nl2sql.backends.base import redact
from nl2sql.catalog.model import Table
from nl2sql.demo.declaration import create_statement, load_tables
from nl2sql.errors import ConfigError, ExecutionError

__all__ = ["copy_to_mysql", "mysql_create_statement"]

_VARCHAR_LENGTH = 255  # in characters; keys of a few such columns stay under InnoDB's limit
_BATCH = 5000


def mysql_create_statement(table: Table) -> str:
    """CREATE TABLE for MySQL/MariaDB with VARCHAR lengths and inline comments.

    >>> from nl2sql.demo.declaration import load_tables
    >>> print(mysql_create_statement(load_tables()[0])[:60])
    CREATE TABLE industry (industry_code VARCHAR(255) NOT NULL C
    """
    tree = sqlglot.parse_one(create_statement(table), read="duckdb")
    comments = {c.name: c.comment for c in table.columns}
    for col in tree.find_all(exp.ColumnDef):
        kind = col.args.get("kind")
        if isinstance(kind, exp.DataType) and kind.is_type("text", "varchar"):
            col.set("kind", exp.DataType.build(f"VARCHAR({_VARCHAR_LENGTH})"))
        if comments.get(col.name):
            col.append("constraints", exp.ColumnConstraint(
                kind=exp.CommentColumnConstraint(this=exp.Literal.string(comments[col.name]))))
    tree.set("properties", exp.Properties(expressions=[
        exp.SchemaCommentProperty(this=exp.Literal.string(table.comment)),
        exp.CharacterSetProperty(this=exp.var("utf8mb4"), default=True)]))
    return tree.sql(dialect="mysql")


def copy_to_mysql(con: duckdb.DuckDBPyConnection, url: str) -> None:
    """Replace the demo tables of the MySQL database at `url` with those in `con`."""
    try:
        import pymysql
    except ImportError as e:  # pragma: no cover - pymysql is a declared optional dependency
        raise ConfigError("loading the demo into MySQL needs pymysql: pip install "
                          "'nl2sql[mysql]'") from e
    from nl2sql.backends.mysql import connect_params

    params = connect_params(url)
    if not params["database"]:
        raise ConfigError(f"the demo target {redact(url)} names no database")
    try:
        db = pymysql.connect(**params, autocommit=False)
    except pymysql.Error as e:
        raise ExecutionError(f"cannot connect to {redact(url)}: {e}") from e
    tables = load_tables()
    try:
        with db.cursor() as cur:
            cur.execute("SET FOREIGN_KEY_CHECKS = 0")  # tables load in any order
            for t in tables:
                cur.execute(f"DROP TABLE IF EXISTS {t.name}")
                cur.execute(mysql_create_statement(t))
            for t in tables:
                _copy_table(con, cur, t)
            db.commit()
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")
    except pymysql.Error as e:
        raise ExecutionError(f"loading the demo into {redact(url)} failed: {e}") from e
    finally:
        db.close()


def _copy_table(con: duckdb.DuckDBPyConnection, cur: Any, table: Table) -> None:
    # sqlglot quotes the names each side reserves (`change` in MySQL).
    columns = [exp.column(c.name) for c in table.columns]
    names = ", ".join(c.sql(dialect="mysql") for c in columns)
    insert = (f"INSERT INTO {table.name} ({names}) VALUES "
              f"({', '.join(['%s'] * len(columns))})")
    reader = con.execute(exp.select(*columns).from_(table.name).sql(dialect="duckdb"))
    while batch := reader.fetchmany(_BATCH):
        cur.executemany(insert, batch)
