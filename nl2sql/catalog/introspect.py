"""Introspect a database into a Catalog.

Structure comes from one batched catalog query per kind (tables, columns, primary keys,
foreign keys) for the whole database, never one round trip per table; each dialect's
queries are data in `QUERIES`. Each table gets a DDL fingerprint from those rows, so a
refresh (`previous=`) re-profiles only the tables whose DDL changed. Profiling (see
`catalog.profile`) reads engine statistics in one more batched query, then at most one
bounded query per table not covered by them, in parallel within the backend's
concurrency. Relationships are inferred last (see `catalog.relations`). A table that
fails any step is listed in `Catalog.problems` and kept with what could be read.

Dialects without native queries are read through SQLAlchemy's multi-table reflection
(`catalog.reflect`), which yields the same rows.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import sqlglot
from sqlglot import exp

from nl2sql.backends.base import Backend, open_backend, redact
from nl2sql.catalog.model import Catalog, Column, ForeignKey, Problem, Table
from nl2sql.catalog.profile import (
    TableStats,
    check_positive,
    profile_table,
    read_statistics,
    sample_sql,
    sample_table,
)
from nl2sql.catalog.reflect import Structure, reflect_structure
from nl2sql.errors import CatalogError, ConfigError, ExecutionError

__all__ = ["QUERIES", "CatalogQueries", "fingerprint", "introspect", "introspect_url",
           "sample_sql", "sample_table"]

_log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]
StructureSource = Literal["auto", "native", "sqlalchemy"]

# Catalog queries may return many rows (one per column of every table): allow plenty.
_CATALOG_ROWS = 5_000_000
# Whole-database statistics cost one big query; a refresh of a few tables names them.
_NAMED_STATS = 1000

@dataclass(frozen=True)
class CatalogQueries:
    """One dialect's catalog queries; `{schemas}` is replaced by a list of schema names.

    Result columns, one row per item, ordered as the comments say (extra trailing columns
    are ignored, so a query may return what it sorts by):
    """

    default_schemas: str  # SQL for the schemas read when none are asked for
    tables: str  # schema, table, 'table' | 'view', comment, row estimate
    columns: str  # schema, table, column, type, nullable, comment -- in column order
    primary_keys: str  # schema, table, column -- in key order
    foreign_keys: str  # schema, table, key id, column, ref schema, ref table, ref column
    ddl: str = ""  # schema, table, CREATE statement -- comments where the dialect has no COMMENT
    # The columns of one table ({table}: a string literal), only for when the batched query
    # fails on one broken object (SQLite: a view over a dropped table).
    columns_of: str = ""


_DUCKDB = CatalogQueries(
    default_schemas="current_schema()",
    tables="""
SELECT schema_name, table_name, 'table', comment, estimated_size FROM duckdb_tables()
WHERE database_name = current_database() AND NOT internal AND NOT temporary
  AND schema_name IN ({schemas})
UNION ALL
SELECT schema_name, view_name, 'view', comment, NULL FROM duckdb_views()
WHERE database_name = current_database() AND NOT internal AND NOT temporary
  AND schema_name IN ({schemas})
ORDER BY 1, 2""",
    columns="""
SELECT schema_name, table_name, column_name, data_type, is_nullable, comment
FROM duckdb_columns()
WHERE database_name = current_database() AND NOT internal AND schema_name IN ({schemas})
ORDER BY schema_name, table_name, column_index""",
    primary_keys="""
SELECT schema_name, table_name, col FROM (
  SELECT schema_name, table_name, unnest(constraint_column_names) AS col,
         generate_subscripts(constraint_column_names, 1) AS pos
  FROM duckdb_constraints()
  WHERE constraint_type = 'PRIMARY KEY' AND database_name = current_database()
    AND schema_name IN ({schemas}))
ORDER BY schema_name, table_name, pos""",
    foreign_keys="""
SELECT schema_name, table_name, constraint_index, col, schema_name, referenced_table, ref FROM (
  SELECT schema_name, table_name, constraint_index, referenced_table,
         unnest(constraint_column_names) AS col, unnest(referenced_column_names) AS ref,
         generate_subscripts(constraint_column_names, 1) AS pos
  FROM duckdb_constraints()
  WHERE constraint_type = 'FOREIGN KEY' AND database_name = current_database()
    AND schema_name IN ({schemas}))
ORDER BY schema_name, table_name, constraint_index, pos""",
)

_SQLITE_OBJECTS = "m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
_SQLITE_TABLES = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"

_SQLITE = CatalogQueries(
    default_schemas="'main'",
    tables=f"""
SELECT 'main', m.name, m.type, '', NULL FROM sqlite_master AS m
WHERE {_SQLITE_OBJECTS} ORDER BY m.name""",
    columns=f"""
SELECT 'main', m.name, p.name, p.type, NOT p."notnull", ''
FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
WHERE {_SQLITE_OBJECTS} ORDER BY m.name, p.cid""",
    primary_keys=f"""
SELECT 'main', m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
WHERE {_SQLITE_TABLES} AND p.pk > 0 ORDER BY m.name, p.pk""",
    foreign_keys=f"""
SELECT 'main', m.name, f.id, f."from", 'main', f."table", f."to"
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS f
WHERE {_SQLITE_TABLES} ORDER BY m.name, f.id, f.seq""",
    ddl=f"SELECT 'main', m.name, m.sql FROM sqlite_master AS m WHERE {_SQLITE_OBJECTS}",
    columns_of="""
SELECT 'main', {table}, p.name, p.type, NOT p."notnull", '' FROM pragma_table_info({table}) AS p
ORDER BY p.cid""",
)

_PG_RELATION = """
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
    AND n.nspname IN ({schemas})"""

_POSTGRES = CatalogQueries(
    default_schemas="'public'",
    tables=f"""
SELECT n.nspname, c.relname, CASE WHEN c.relkind IN ('v', 'm') THEN 'view' ELSE 'table' END,
       obj_description(c.oid, 'pg_class'),
       CASE WHEN c.relkind NOT IN ('v', 'm') AND c.reltuples >= 0 THEN c.reltuples::bigint END
FROM pg_catalog.pg_class AS c {_PG_RELATION}
ORDER BY 1, 2""",
    columns=f"""
SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
       NOT a.attnotnull, col_description(c.oid, a.attnum)
FROM pg_catalog.pg_attribute AS a JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid
{_PG_RELATION} AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY 1, 2, a.attnum""",
    primary_keys=f"""
SELECT n.nspname, c.relname, a.attname
FROM pg_catalog.pg_constraint AS k JOIN pg_catalog.pg_class AS c ON c.oid = k.conrelid
CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
JOIN pg_catalog.pg_attribute AS a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
{_PG_RELATION} AND k.contype = 'p'
ORDER BY 1, 2, u.ord""",
    foreign_keys=f"""
SELECT n.nspname, c.relname, k.conname, a.attname, rn.nspname, rc.relname, ra.attname
FROM pg_catalog.pg_constraint AS k JOIN pg_catalog.pg_class AS c ON c.oid = k.conrelid
CROSS JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(attnum, refnum, ord)
JOIN pg_catalog.pg_attribute AS a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
JOIN pg_catalog.pg_class AS rc ON rc.oid = k.confrelid
JOIN pg_catalog.pg_namespace AS rn ON rn.oid = rc.relnamespace
JOIN pg_catalog.pg_attribute AS ra ON ra.attrelid = k.confrelid AND ra.attnum = u.refnum
{_PG_RELATION} AND k.contype = 'f'
ORDER BY 1, 2, 3, u.ord""",
)

_MYSQL = CatalogQueries(
    default_schemas="DATABASE()",
    tables="""
SELECT TABLE_SCHEMA, TABLE_NAME, CASE WHEN TABLE_TYPE = 'VIEW' THEN 'view' ELSE 'table' END,
       CASE WHEN TABLE_TYPE = 'VIEW' THEN '' ELSE TABLE_COMMENT END, TABLE_ROWS
FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ({schemas})
ORDER BY 1, 2""",
    columns="""
SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES', COLUMN_COMMENT
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ({schemas})
ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION""",
    primary_keys="""
SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
WHERE CONSTRAINT_NAME = 'PRIMARY' AND TABLE_SCHEMA IN ({schemas})
ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION""",
    foreign_keys="""
SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME,
       REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE
WHERE REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_SCHEMA IN ({schemas})
ORDER BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION""",
)

QUERIES: dict[str, CatalogQueries] = {
    "duckdb": _DUCKDB, "sqlite": _SQLITE, "postgres": _POSTGRES, "mysql": _MYSQL,
}


@dataclass
class _Draft:
    """A table while its pieces arrive from the batched queries."""

    schema: str
    name: str
    kind: str
    comment: str
    row_estimate: int | None
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    fk_rows: list[tuple[Any, ...]] = field(default_factory=list)
    ddl_comments: dict[str, str] = field(default_factory=dict)


def introspect(
    backend: Backend,
    *,
    value_index_limit: int = 200,
    sample_rows: int = 10000,
    schemas: Sequence[str] | None = None,
    progress: Progress | None = None,
    workers: int = 2,
    previous: Catalog | None = None,
    profile_budget_ms: int = 5000,
    relationships: bool = True,
    structure: StructureSource = "auto",
) -> Catalog:
    """Read tables, views, columns, keys and comments, then profile them table by table.

    Args:
        value_index_limit: keep a text column's distinct values when it has at most this many.
        sample_rows: rows read per table for values and samples (bounds the cost).
        schemas: schemas to read; default `public` (PostgreSQL), the current database
            (MySQL), the current schema (DuckDB), `main` (SQLite).
        progress: called with (message, fraction done).
        workers: tables profiled at once; at most the backend's max_concurrency.
        previous: an earlier catalog of this database: tables whose DDL fingerprint is
            unchanged (and that had no problem) keep their profile and are not read again.
        profile_budget_ms: time limit of each table's profiling query.
        relationships: infer join keys beyond the declared foreign keys.
        structure: "native" catalog queries, "sqlalchemy" multi-table reflection, or
            "auto": native where the dialect has them (see `QUERIES`), else SQLAlchemy.
    """
    for name, value in (("value_index_limit", value_index_limit), ("sample_rows", sample_rows),
                        ("workers", workers), ("profile_budget_ms", profile_budget_ms)):
        check_positive(name, value)
    report = progress or _quiet
    report("reading the catalog", 0.0)
    problems: list[Problem] = []
    rows, schema_list = _read_structure(backend, schemas, structure, problems)
    drafts = _drafts(rows, backend.dialect)
    tables = [_finish(d, drafts, problems) for d in drafts.values() if d.columns]
    kept, todo = _unchanged(tables, previous)
    if previous is not None:  # what was found about kept tables still holds
        kept_names = {name for _, name in kept}
        problems += [p for p in previous.problems
                     if p.table in kept_names and p.stage == "type"]
    report(f"read {len(tables)} tables; profiling {len(todo)}", 0.05)
    named = todo if len(todo) < min(len(tables), _NAMED_STATS) else None
    stats = read_statistics(backend, schema_list, named) if todo else {}
    workers = max(1, min(workers, getattr(backend, "max_concurrency", workers)))
    profiled: dict[tuple[str, str], Table] = {}
    jobs = _profile_all(backend, todo, stats, workers, value_index_limit=value_index_limit,
                        sample_rows=sample_rows, budget_ms=profile_budget_ms)
    for i, (table, found) in enumerate(jobs):
        profiled[(table.schema, table.name)] = table
        problems += found
        report(f"profiled {table.name}", 0.05 + 0.85 * (i + 1) / max(len(todo), 1))
    catalog = Catalog(
        dialect=backend.dialect, source=redact(backend.url), problems=tuple(problems),
        tables=tuple(kept.get((t.schema, t.name)) or profiled[(t.schema, t.name)]
                     for t in tables),
    )
    if relationships:
        report("inferring relationships", 0.9)
        catalog = _with_relationships(catalog, backend, previous, set(profiled), workers)
    report("done", 1.0)
    return catalog


def _with_relationships(
    catalog: Catalog, backend: Backend, previous: Catalog | None,
    changed: set[tuple[str, str]], workers: int,
) -> Catalog:
    from nl2sql.catalog.relations import infer_relationships

    changed_names = {name for _, name in changed}
    found, problems = infer_relationships(catalog, backend, previous=previous,
                                          changed=changed_names, workers=workers)
    return replace(catalog, relationships=found, problems=catalog.problems + tuple(problems))


def _unchanged(
    tables: list[Table], previous: Catalog | None
) -> tuple[dict[tuple[str, str], Table], list[Table]]:
    """Tables to keep from `previous` (same fingerprint, no problem), and the rest."""
    if previous is None:
        return {}, tables
    old = {(t.schema, t.name): t for t in previous.tables if t.fingerprint}
    troubled = {p.table for p in previous.problems if p.stage == "profile"}
    kept: dict[tuple[str, str], Table] = {}
    todo = []
    for t in tables:
        before = old.get((t.schema, t.name))
        if before is not None and before.fingerprint == t.fingerprint \
                and t.name not in troubled:
            kept[(t.schema, t.name)] = before
        else:
            todo.append(t)
    return kept, todo


def _profile_all(
    backend: Backend, tables: list[Table], stats: dict[tuple[str, str], TableStats],
    workers: int, **options: Any,
) -> Iterator[tuple[Table, list[Problem]]]:
    def one(table: Table) -> tuple[Table, list[Problem]]:
        return profile_table(backend, table, stats=stats.get((table.schema, table.name)),
                             value_index_limit=options["value_index_limit"],
                             sample_rows=options["sample_rows"], budget_ms=options["budget_ms"])

    if workers <= 1 or len(tables) <= 1:
        yield from map(one, tables)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nl2sql-profile") as pool:
        yield from pool.map(one, tables)


def fingerprint(table: Table) -> str:
    """A hash of the table's DDL: kind, comment, columns (name, type, nullability,
    comment) and keys. Profiles and row counts do not change it.

    >>> fingerprint(Table("t", (Column("a", "INT"),))) == fingerprint(Table("t", (Column("a", "INT"),), row_count=5))
    True
    """
    parts = [table.kind, table.comment, repr(table.primary_key)]
    parts += [f"{c.name}\x1f{c.type}\x1f{c.nullable}\x1f{c.comment}" for c in table.columns]
    parts += [f"{fk.columns}>{fk.ref_table}{fk.ref_columns}" for fk in table.foreign_keys]
    return hashlib.blake2b("\x1e".join(parts).encode(), digest_size=8).hexdigest()


def introspect_url(url: str, **options: Any) -> Catalog:
    """Open the database at `url`, introspect it and close it; connection problems are
    CatalogErrors. `options` go to `introspect`."""
    try:
        backend = open_backend(url)
    except (ExecutionError, ConfigError) as e:
        raise CatalogError(f"cannot introspect {redact(url)}: {e.message}") from e
    try:
        return introspect(backend, **options)
    finally:
        backend.close()


def _quiet(message: str, fraction: float) -> None:
    pass


def _read_structure(backend: Backend, schemas: Sequence[str] | None,
                    source: StructureSource, problems: list[Problem]) -> tuple[Structure, str]:
    """The structure rows, and the schema list as SQL (for the statistics query)."""
    if schemas is not None and (isinstance(schemas, str) or not schemas):
        raise CatalogError(f"schemas must be a non-empty list of names, got {schemas!r}")
    if source not in ("auto", "native", "sqlalchemy"):
        raise CatalogError(f"structure must be auto, native or sqlalchemy, not {source!r}")
    queries = QUERIES.get(backend.dialect)
    if source == "sqlalchemy" or (source == "auto" and queries is None):
        rows = reflect_structure(backend.url, schemas, problems)
        named = sorted({r[0] for r in rows.tables}) if schemas is None else list(schemas)
        return rows, ", ".join(exp.Literal.string(s).sql(backend.dialect) for s in named)
    if queries is None:
        raise CatalogError(f"no native catalog queries for dialect {backend.dialect!r}; "
                           f"known: {', '.join(sorted(QUERIES))}")
    schema_list = queries.default_schemas if schemas is None else ", ".join(
        exp.Literal.string(s).sql(backend.dialect) for s in schemas)
    return _native_structure(backend, queries, schema_list, problems), schema_list


def _fetch(backend: Backend, sql: str, schemas: str, what: str) -> list[tuple[Any, ...]]:
    try:
        result = backend.run(sql.replace("{schemas}", schemas), max_rows=_CATALOG_ROWS)
    except ExecutionError as e:
        raise CatalogError(f"cannot read the {what} of {redact(backend.url)}: {e.message}") from e
    if result.truncated:
        raise CatalogError(f"more than {_CATALOG_ROWS} {what} in {redact(backend.url)}")
    return result.rows


def _native_structure(
    backend: Backend, q: CatalogQueries, schemas: str, problems: list[Problem]
) -> Structure:
    tables = _fetch(backend, q.tables, schemas, "tables")
    return Structure(
        tables=tables,
        columns=_columns(backend, q, schemas, [t for _, t, *_ in tables], problems),
        primary_keys=_fetch(backend, q.primary_keys, schemas, "primary keys"),
        foreign_keys=_fetch(backend, q.foreign_keys, schemas, "foreign keys"),
        ddl=_fetch(backend, q.ddl, schemas, "table definitions") if q.ddl else [],
    )


def _drafts(rows: Structure, dialect: str) -> dict[tuple[str, str], _Draft]:
    drafts = {
        (s, t): _Draft(s, t, "view" if kind == "view" else "table", comment or "", _int(count))
        for s, t, kind, comment, count, *_ in rows.tables
    }
    for s, t, name, type_, nullable, comment, *_ in rows.columns:
        if (d := drafts.get((s, t))) is not None:
            d.columns.append(Column(name, str(type_ or ""), bool(nullable), comment or ""))
    for s, t, name, *_ in rows.primary_keys:
        if (d := drafts.get((s, t))) is not None:
            d.primary_key.append(name)
    for s, t, *fk in rows.foreign_keys:
        if (d := drafts.get((s, t))) is not None:
            d.fk_rows.append(tuple(fk[:5]))
    for s, t, ddl, *_ in rows.ddl:
        if (d := drafts.get((s, t))) is not None and ddl:
            d.ddl_comments = ddl_column_comments(ddl, dialect)
    return drafts


def _columns(
    backend: Backend, q: CatalogQueries, schemas: str, names: list[str],
    problems: list[Problem],
) -> list[tuple[Any, ...]]:
    """Every column in one query; table by table only if that fails and the dialect can."""
    try:
        return _fetch(backend, q.columns, schemas, "columns")
    except CatalogError as e:
        if not q.columns_of:
            raise
        failure = e
    rows: list[tuple[Any, ...]] = []
    for name in names:
        literal = exp.Literal.string(name).sql(backend.dialect)
        try:
            rows += backend.run(q.columns_of.replace("{table}", literal),
                                max_rows=_CATALOG_ROWS).rows
        except ExecutionError as e:
            _log.warning("%s: columns not readable, table skipped: %s", name, e.message)
            problems.append(Problem(name, "structure", f"columns not readable: {e.message}"))
    if names and not rows:
        raise failure  # not one broken object: the database itself fails
    return rows


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def ddl_column_comments(ddl: str, dialect: str) -> dict[str, str]:
    """Column comments written as SQL comments in a CREATE TABLE statement.

    >>> ddl_column_comments("CREATE TABLE t (code TEXT, -- 股票代码\\n px REAL)", "sqlite")
    {'code': '股票代码'}
    """
    if "--" not in ddl and "/*" not in ddl:
        return {}
    try:
        tree = sqlglot.parse_one(ddl, read=dialect)
    except sqlglot.errors.SqlglotError:
        return {}
    found = {col.name: _comments(col) for col in tree.find_all(exp.ColumnDef)}
    return {name: text for name, text in found.items() if text}


def _comments(node: exp.Expression) -> str:
    # A comment may attach to the column, its type or a constraint, depending on placement.
    parts = [c.strip() for n in node.walk() for c in (n.comments or ())]
    return " ".join(p for p in parts if p)


def _finish(
    draft: _Draft, drafts: dict[tuple[str, str], _Draft], problems: list[Problem]
) -> Table:
    """The frozen Table: key flags on columns, DDL comments, foreign keys resolved, and
    its DDL fingerprint."""
    pk = {name.lower() for name in draft.primary_key}
    columns = tuple(
        _keyed(c, c.name.lower() in pk, c.comment or draft.ddl_comments.get(c.name, ""))
        for c in draft.columns
    )
    table = Table(
        name=draft.name, columns=columns, schema=draft.schema, comment=draft.comment,
        kind="view" if draft.kind == "view" else "table", row_count=draft.row_estimate,
        primary_key=tuple(draft.primary_key),
        foreign_keys=tuple(_foreign_keys(draft, drafts, problems)),
    )
    return replace(table, fingerprint=fingerprint(table))


def _keyed(column: Column, primary_key: bool, comment: str) -> Column:
    if (primary_key, comment) == (column.primary_key, column.comment):
        return column
    return replace(column, primary_key=primary_key, comment=comment)


def _foreign_keys(
    draft: _Draft, drafts: dict[tuple[str, str], _Draft], problems: list[Problem]
) -> Iterator[ForeignKey]:
    groups: dict[Any, list[tuple[Any, ...]]] = {}
    for key_id, *rest in draft.fk_rows:
        groups.setdefault(key_id, []).append(tuple(rest))
    for rows in groups.values():
        fk = _resolve(draft, rows, drafts)
        if fk is None:
            problems.append(Problem(draft.name, "structure",
                                    f"foreign key to {rows[0][2]} skipped: no such table or "
                                    "column"))
        else:
            yield fk


def _resolve(
    draft: _Draft, rows: list[tuple[Any, ...]], drafts: dict[tuple[str, str], _Draft]
) -> ForeignKey | None:
    """One foreign key with names spelled as declared on the tables.

    Declared references may differ in case from the real names (common in Spider), or
    omit the referenced columns (SQLite: the parent's primary key).
    """
    ref_schema, ref_table = rows[0][1], rows[0][2]
    target = drafts.get((ref_schema, ref_table)) or _find_table(drafts, ref_schema, ref_table)
    if target is None:
        _log.warning("%s: foreign key to unknown table %s skipped", draft.name, ref_table)
        return None
    own = _spelling(c.name for c in draft.columns)
    theirs = _spelling(c.name for c in target.columns)
    columns, refs = [], []
    for i, (column, _, _, ref_column) in enumerate(rows):
        ref = ref_column or (target.primary_key[i] if i < len(target.primary_key) else None)
        if ref is None or str(column).lower() not in own or str(ref).lower() not in theirs:
            _log.warning("%s: foreign key %s -> %s.%s skipped (no such column)",
                         draft.name, column, target.name, ref)
            return None
        columns.append(own[str(column).lower()])
        refs.append(theirs[str(ref).lower()])
    return ForeignKey(tuple(columns), target.name, tuple(refs))


def _find_table(drafts: dict[tuple[str, str], _Draft], schema: str, name: str) -> _Draft | None:
    low = str(name).lower()
    matches = [d for (s, t), d in drafts.items() if t.lower() == low]
    return next((d for d in matches if d.schema == schema), matches[0] if matches else None)


def _spelling(names: Iterable[str]) -> dict[str, str]:
    return {n.lower(): n for n in names}
