"""The demo warehouse declaration (schema/trading_warehouse.toml) as catalog Tables, and its DDL."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from nl2sql.catalog.model import Column, ForeignKey, Table
from nl2sql.errors import ConfigError

__all__ = [
    "DECLARATION_FILE",
    "comment_statements",
    "constraint_statements",
    "create_statement",
    "load_tables",
    "schema_dir",
]

DECLARATION_FILE = "trading_warehouse.toml"


def schema_dir() -> Path:
    """The schema/ assets: nl2sql/_assets/schema in a wheel, else the source tree's schema/."""
    try:
        packaged = Path(str(resources.files("nl2sql") / "_assets" / "schema"))
    except (ModuleNotFoundError, TypeError):
        packaged = None
    if packaged is not None and (packaged / DECLARATION_FILE).is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "schema"
    if (source / DECLARATION_FILE).is_file():
        return source
    raise ConfigError(
        f"cannot find the schema assets ({DECLARATION_FILE}) in nl2sql/_assets/schema or {source}"
    )


def _column(raw: dict[str, Any], pk: tuple[str, ...]) -> Column:
    return Column(
        name=raw["name"],
        type=raw["type"],
        nullable=raw.get("nullable", True),
        comment=raw["comment"],
        primary_key=raw["name"] in pk,
    )


def _table(raw: dict[str, Any]) -> Table:
    pk = tuple(raw.get("primary_key", ()))
    fks = tuple(
        ForeignKey(tuple(fk["columns"]), fk["ref_table"], tuple(fk["ref_columns"]))
        for fk in raw.get("foreign_keys", ())
    )
    return Table(
        name=raw["name"],
        columns=tuple(_column(c, pk) for c in raw["columns"]),
        comment=raw["comment"],
        primary_key=pk,
        foreign_keys=fks,
    )


@functools.cache
def load_tables() -> tuple[Table, ...]:
    """Every demo table in load order (a table comes after the tables it references)."""
    path = schema_dir() / DECLARATION_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return tuple(_table(t) for t in raw["tables"])
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as e:
        raise ConfigError(f"invalid demo schema declaration {path}: {e}") from e


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_statement(table: Table, *, constraints: bool = True) -> str:
    """CREATE TABLE for DuckDB and PostgreSQL, optionally with its PK and FKs inline."""
    parts = [f"{c.name} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in table.columns]
    if constraints:
        parts += _constraint_clauses(table)
    body = ",\n    ".join(parts)
    return f"CREATE TABLE {table.name} (\n    {body}\n)"


def _constraint_clauses(table: Table) -> list[str]:
    clauses = [f"PRIMARY KEY ({', '.join(table.primary_key)})"] if table.primary_key else []
    for fk in table.foreign_keys:
        clauses.append(
            f"FOREIGN KEY ({', '.join(fk.columns)}) "
            f"REFERENCES {fk.ref_table} ({', '.join(fk.ref_columns)})"
        )
    return clauses


def constraint_statements(table: Table) -> list[str]:
    """ALTER TABLE ... ADD statements for the PK and FKs (PostgreSQL adds them after loading)."""
    return [f"ALTER TABLE {table.name} ADD {clause}" for clause in _constraint_clauses(table)]


def comment_statements(table: Table) -> list[str]:
    """COMMENT ON TABLE/COLUMN statements, valid on both DuckDB and PostgreSQL."""
    stmts = [f"COMMENT ON TABLE {table.name} IS {_quote(table.comment)}"]
    stmts += [
        f"COMMENT ON COLUMN {table.name}.{c.name} IS {_quote(c.comment)}" for c in table.columns
    ]
    return stmts
