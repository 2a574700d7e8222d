"""Structure through SQLAlchemy's multi-table reflection: the generic path for dialects
without native catalog queries.

`Inspector.get_multi_columns`, `get_multi_pk_constraint`, `get_multi_foreign_keys` and
`get_multi_table_comment` read every table of a schema per call (dialects with catalog
support do it in one query; the others loop inside SQLAlchemy). The rows come out shaped
like the native `CatalogQueries` rows, so the rest of introspection (fingerprints,
profiling, relationships) is the same for both paths. What reflection does not give is
left empty: row estimates, and comments where the dialect has none (SQLite).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nl2sql.backends.base import redact
from nl2sql.catalog.model import Problem
from nl2sql.errors import CatalogError

__all__ = ["Structure", "engine_url", "reflect_structure"]

_log = logging.getLogger(__name__)

Row = tuple[Any, ...]

# Our URL schemes -> the SQLAlchemy driver installed with the matching extra.
_DRIVERS = {"mysql": "mysql+pymysql", "mariadb": "mysql+pymysql",
            "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


@dataclass(frozen=True)
class Structure:
    """A database's structure as rows, in the shapes `CatalogQueries` documents."""

    tables: list[Row]  # schema, table, 'table' | 'view', comment, row estimate
    columns: list[Row]  # schema, table, column, type, nullable, comment
    primary_keys: list[Row]  # schema, table, column
    foreign_keys: list[Row]  # schema, table, key id, column, ref schema, ref table, ref column
    ddl: list[Row]  # schema, table, CREATE statement


def engine_url(url: str) -> str:
    """The SQLAlchemy URL of a database URL: its driver named, SQLite files read-only.

    >>> engine_url("mysql://root@127.0.0.1:3306/shop")
    'mysql+pymysql://root@127.0.0.1:3306/shop'
    >>> engine_url("sqlite:////tmp/a.db")
    'sqlite:///file:/tmp/a.db?mode=ro&uri=true'
    """
    scheme, sep, rest = url.partition("://")
    if scheme == "sqlite" and rest.startswith("/") and "?" not in rest:
        return f"sqlite:///file:{rest[1:]}?mode=ro&uri=true"
    return _DRIVERS.get(scheme, scheme) + sep + rest


def reflect_structure(url: str, schemas: Sequence[str] | None,
                      problems: list[Problem]) -> Structure:
    """Every table's and view's columns, keys and comments of `schemas` (default: the
    connection's default schema) by multi-table reflection. A table whose columns cannot be
    reflected is listed in `problems` and left out."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(engine_url(url))
    except Exception as e:  # unknown dialect, missing driver, malformed URL
        raise CatalogError(f"cannot reflect {redact(url)} through SQLAlchemy: {e}") from e
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            names = list(schemas) if schemas else [str(inspector.default_schema_name)]
            parts = [_schema(inspector, s, problems) for s in names]
    except sa.exc.SQLAlchemyError as e:
        raise CatalogError(f"cannot reflect {redact(url)}: {e}") from e
    finally:
        engine.dispose()
    tables, columns, keys, foreign = ([row for part in parts for row in part[i]]
                                      for i in range(4))
    return Structure(tables, columns, keys, foreign, ddl=[])


def _schema(inspector: Any, schema: str, problems: list[Problem]
            ) -> tuple[list[Row], list[Row], list[Row], list[Row]]:
    from sqlalchemy.engine.reflection import ObjectKind

    views = set(inspector.get_view_names(schema=schema))
    views |= set(_optional(inspector.get_materialized_view_names, [], schema=schema))
    columns = _columns(inspector, schema, problems)
    comments = _optional(inspector.get_multi_table_comment, {}, schema=schema,
                         kind=ObjectKind.ANY)
    tables = [(schema, name, "view" if name in views else "table",
               (comments.get((schema, name)) or {}).get("text") or "", None)
              for name in sorted(columns)]
    column_rows = [(schema, name, c["name"], _type(inspector, c["type"]), c["nullable"],
                    c.get("comment") or "")
                   for name in sorted(columns) for c in columns[name]]
    pks = inspector.get_multi_pk_constraint(schema=schema, kind=ObjectKind.TABLE)
    pk_rows = [(schema, name, c) for (_, name), pk in sorted(pks.items())
               for c in pk.get("constrained_columns") or ()]
    fks = inspector.get_multi_foreign_keys(schema=schema, kind=ObjectKind.TABLE)
    fk_rows = [(schema, name, fk.get("name") or i, c, fk.get("referred_schema") or schema,
                fk["referred_table"], r)
               for (_, name), keys in sorted(fks.items()) for i, fk in enumerate(keys)
               for c, r in zip(fk["constrained_columns"], fk["referred_columns"], strict=False)]
    return tables, column_rows, pk_rows, fk_rows


def _columns(inspector: Any, schema: str, problems: list[Problem]) -> dict[str, list[dict]]:
    """{table: columns} in one multi-table call; table by table only if that call fails
    (one broken object, such as a SQLite view over a dropped table)."""
    import sqlalchemy as sa
    from sqlalchemy.engine.reflection import ObjectKind

    try:
        found = inspector.get_multi_columns(schema=schema, kind=ObjectKind.ANY)
        return {name: cols for (_, name), cols in found.items()}
    except sa.exc.SQLAlchemyError as e:
        failure = e
    out: dict[str, list[dict]] = {}
    names = inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema)
    for name in names:
        try:
            out[name] = inspector.get_columns(name, schema=schema)
        except sa.exc.SQLAlchemyError as e:
            _log.warning("%s: columns not reflected, table skipped: %s", name, e)
            problems.append(Problem(name, "structure", f"columns not readable: {e}"))
    if names and not out:
        raise failure  # not one broken object: the database itself fails
    return out


def _type(inspector: Any, type_: Any) -> str:
    """The column type as the dialect writes it ("" where SQLAlchemy does not know it)."""
    try:
        return str(type_.compile(dialect=inspector.dialect))
    except Exception:  # NullType and exotic types do not compile
        return ""


def _optional(method: Any, default: Any, **kw: Any) -> Any:
    """Reflection a dialect may not implement (comments in SQLite, materialized views)."""
    try:
        return method(**kw)
    except NotImplementedError:
        return default
