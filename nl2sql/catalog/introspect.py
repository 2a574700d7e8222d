"""Introspect a database into a Catalog.

Structure comes from one batched catalog query per kind (tables, columns, primary keys,
foreign keys) for the whole database, never one round trip per table; each dialect's
queries are data in `QUERIES`. Then one bounded query per table samples values: the
distinct values of low-cardinality text columns (the value index used for linking) and
a few examples of every column, from at most `sample_rows` rows of the table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import sqlglot
from sqlglot import exp

from nl2sql.backends.base import Backend, open_backend, redact
from nl2sql.catalog.model import Catalog, Column, ForeignKey, Table
from nl2sql.errors import CatalogError, ConfigError, ExecutionError

__all__ = ["QUERIES", "CatalogQueries", "introspect", "introspect_url"]

_log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]

# Catalog queries may return many rows (one per column of every table): allow plenty.
_CATALOG_ROWS = 5_000_000
_SAMPLES = 3
# Longer values are no use for linking a spoken phrase; such a column gets no value index.
_MAX_VALUE_CHARS = 200
_SAMPLE_CHARS = 120
# SQLite allows at most 500 terms in a compound SELECT: wider tables take several queries.
_COLUMNS_PER_QUERY = 200
_SAMPLEABLE = frozenset({"number", "text", "date", "datetime", "boolean"})
# Nested or exotic types (arrays, structs, maps, geometry) are not grouped and cast safely.
_NESTED = ("[", "struct", "map(", "list", "array", "union", "geometry", "json")


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
) -> Catalog:
    """Read tables, views, columns, keys and comments, then sample values table by table.

    Args:
        value_index_limit: keep a text column's distinct values when it has at most this many.
        sample_rows: rows read per table for values and samples (bounds the cost).
        schemas: schemas to read; default `public` (PostgreSQL), the current database
            (MySQL), the current schema (DuckDB), `main` (SQLite).
        progress: called with (message, fraction done).
        workers: tables sampled at once; keep it at most the backend's max_concurrency.
    """
    queries = QUERIES.get(backend.dialect)
    if queries is None:
        raise CatalogError(f"cannot introspect dialect {backend.dialect!r}; "
                           f"known: {', '.join(sorted(QUERIES))}")
    report = progress or _quiet
    report("reading the catalog", 0.0)
    drafts = _read_structure(backend, queries, _schema_list(backend.dialect, schemas, queries))
    tables = [_finish(d, drafts) for d in drafts.values() if d.columns]
    workers = min(workers, getattr(backend, "max_concurrency", workers))
    sampled: list[Table] = []
    for i, table in enumerate(_sample_all(backend, tables, value_index_limit, sample_rows, workers)):
        sampled.append(table)
        report(f"sampled {table.name}", (i + 1) / max(len(tables), 1))
    report("done", 1.0)
    return Catalog(dialect=backend.dialect, tables=tuple(sampled), source=redact(backend.url))


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


def _schema_list(dialect: str, schemas: Sequence[str] | None, queries: CatalogQueries) -> str:
    if schemas is None:
        return queries.default_schemas
    if isinstance(schemas, str) or not schemas:
        raise CatalogError(f"schemas must be a non-empty list of names, got {schemas!r}")
    return ", ".join(exp.Literal.string(s).sql(dialect) for s in schemas)


def _fetch(backend: Backend, sql: str, schemas: str, what: str) -> list[tuple[Any, ...]]:
    try:
        result = backend.run(sql.replace("{schemas}", schemas), max_rows=_CATALOG_ROWS)
    except ExecutionError as e:
        raise CatalogError(f"cannot read the {what} of {redact(backend.url)}: {e.message}") from e
    if result.truncated:
        raise CatalogError(f"more than {_CATALOG_ROWS} {what} in {redact(backend.url)}")
    return result.rows


def _read_structure(
    backend: Backend, q: CatalogQueries, schemas: str
) -> dict[tuple[str, str], _Draft]:
    drafts = {
        (s, t): _Draft(s, t, "view" if kind == "view" else "table", comment or "", _int(rows))
        for s, t, kind, comment, rows, *_ in _fetch(backend, q.tables, schemas, "tables")
    }
    for s, t, name, type_, nullable, comment, *_ in _columns(backend, q, schemas, drafts):
        if (d := drafts.get((s, t))) is not None:
            d.columns.append(Column(name, str(type_ or ""), bool(nullable), comment or ""))
    for s, t, name, *_ in _fetch(backend, q.primary_keys, schemas, "primary keys"):
        if (d := drafts.get((s, t))) is not None:
            d.primary_key.append(name)
    for s, t, *fk in _fetch(backend, q.foreign_keys, schemas, "foreign keys"):
        if (d := drafts.get((s, t))) is not None:
            d.fk_rows.append(tuple(fk[:5]))
    if q.ddl:
        for s, t, ddl, *_ in _fetch(backend, q.ddl, schemas, "table definitions"):
            if (d := drafts.get((s, t))) is not None and ddl:
                d.ddl_comments = ddl_column_comments(ddl, backend.dialect)
    return drafts


def _columns(
    backend: Backend, q: CatalogQueries, schemas: str, drafts: dict[tuple[str, str], _Draft]
) -> list[tuple[Any, ...]]:
    """Every column in one query; table by table only if that fails and the dialect can."""
    try:
        return _fetch(backend, q.columns, schemas, "columns")
    except CatalogError as e:
        if not q.columns_of:
            raise
        failure = e
    rows: list[tuple[Any, ...]] = []
    for _, name in drafts:
        literal = exp.Literal.string(name).sql(backend.dialect)
        try:
            rows += backend.run(q.columns_of.replace("{table}", literal),
                                max_rows=_CATALOG_ROWS).rows
        except ExecutionError as e:
            _log.warning("%s: columns not readable, table skipped: %s", name, e.message)
    if drafts and not rows:
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


def _finish(draft: _Draft, drafts: dict[tuple[str, str], _Draft]) -> Table:
    """The frozen Table: key flags on columns, DDL comments, foreign keys resolved."""
    pk = {name.lower() for name in draft.primary_key}
    columns = tuple(
        replace(c, primary_key=c.name.lower() in pk,
                comment=c.comment or draft.ddl_comments.get(c.name, ""))
        for c in draft.columns
    )
    return Table(
        name=draft.name, columns=columns, schema=draft.schema, comment=draft.comment,
        kind="view" if draft.kind == "view" else "table", row_count=draft.row_estimate,
        primary_key=tuple(draft.primary_key),
        foreign_keys=tuple(_foreign_keys(draft, drafts)),
    )


def _foreign_keys(draft: _Draft, drafts: dict[tuple[str, str], _Draft]) -> Iterator[ForeignKey]:
    groups: dict[Any, list[tuple[Any, ...]]] = {}
    for key_id, *rest in draft.fk_rows:
        groups.setdefault(key_id, []).append(tuple(rest))
    for rows in groups.values():
        fk = _resolve(draft, rows, drafts)
        if fk is not None:
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


def _sample_all(
    backend: Backend, tables: list[Table], limit: int, sample_rows: int, workers: int
) -> Iterator[Table]:
    def one(table: Table) -> Table:
        return sample_table(backend, table, value_index_limit=limit, sample_rows=sample_rows)

    if workers <= 1 or len(tables) <= 1:
        yield from map(one, tables)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nl2sql-sample") as pool:
        yield from pool.map(one, tables)


def sample_table(
    backend: Backend, table: Table, *, value_index_limit: int = 200, sample_rows: int = 10000
) -> Table:
    """The table with values, samples and row count from one query over a bounded sample
    (one per `_COLUMNS_PER_QUERY` columns of very wide tables).

    A failure (permission, exotic type, timeout) is logged and leaves the table unsampled.
    """
    columns = [c for c in table.columns if _sampleable(c)]
    found: dict[int, list[tuple[int, str]]] = {}
    counted = 0
    try:
        for start in range(0, max(len(columns), 1), _COLUMNS_PER_QUERY):
            chunk = columns[start:start + _COLUMNS_PER_QUERY]
            sql = sample_sql(table, chunk, backend.dialect, value_index_limit, sample_rows, start)
            cap = 1 + len(chunk) * (value_index_limit + _SAMPLES)
            for i, value, n in backend.run(sql, max_rows=cap).rows:
                if i < 0:
                    counted = int(n)
                else:
                    found.setdefault(int(i), []).append((-int(n), _text(value)))
    except ExecutionError as e:
        _log.warning("%s: values not sampled: %s", table.name, e.message)
        return table
    by_name = {
        # UNION ALL does not keep the branches' order (DuckDB runs them in parallel): re-sort.
        c.name: _profile(c, [v for _, v in sorted(found.get(i, []))], value_index_limit)
        for i, c in enumerate(columns)
    }
    return replace(table, columns=tuple(by_name.get(c.name, c) for c in table.columns),
                   row_count=_row_count(table.row_count, counted, sample_rows))


def _row_count(estimate: int | None, counted: int, sample_rows: int) -> int | None:
    # A sample that did not fill up is the whole table: an exact count for free.
    if counted < sample_rows:
        return counted
    return None if estimate is None else max(estimate, counted)


def _sampleable(column: Column) -> bool:
    type_ = column.type.lower()
    return column.type_class in _SAMPLEABLE and not any(word in type_ for word in _NESTED)


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    return str(value)


def _profile(column: Column, values: list[str], limit: int) -> Column:
    keep = (column.type_class == "text" and 0 < len(values) <= limit
            and all(len(v) <= _MAX_VALUE_CHARS for v in values))
    samples = tuple(v if len(v) <= _SAMPLE_CHARS else v[: _SAMPLE_CHARS - 1] + "…"
                    for v in values[:_SAMPLES])
    return replace(column, values=tuple(values) if keep else (), samples=samples)


def sample_sql(
    table: Table,
    columns: Sequence[Column],
    dialect: str,
    limit: int,
    sample_rows: int,
    first_index: int = 0,
) -> str:
    """One query: the sampled row count, then per column its most frequent values.

    Rows are (column index or -1 for the count, value as text, frequency). Text columns
    get up to `limit + 1` values (so "more than limit" is visible), others `_SAMPLES`.
    """

    def q(name: str) -> str:
        return exp.to_identifier(name, quoted=True).sql(dialect)

    def as_text(value: exp.Expression) -> str:
        return exp.cast(value, "text").sql(dialect)

    source = f"{q(table.schema)}.{q(table.name)}" if table.schema else q(table.name)
    picked = ", ".join(q(c.name) for c in columns) or "1 AS nl2sql_one"
    parts = [f"SELECT -1 AS nl2sql_i, {as_text(exp.null())} AS nl2sql_v, COUNT(*) AS nl2sql_n "
             "FROM nl2sql_sample"]
    for i, column in enumerate(columns):
        ref = exp.column(column.name, table="nl2sql_sample", quoted=True)
        col = ref.sql(dialect)
        top = max(limit + 1, _SAMPLES) if column.type_class == "text" else _SAMPLES
        parts.append(
            f"SELECT {first_index + i} AS nl2sql_i, nl2sql_v, nl2sql_n FROM ("
            f"SELECT {as_text(ref)} AS nl2sql_v, COUNT(*) AS nl2sql_n FROM nl2sql_sample "
            f"WHERE {col} IS NOT NULL GROUP BY {col} "
            f"ORDER BY nl2sql_n DESC, nl2sql_v LIMIT {top}) AS nl2sql_b{i}"
        )
    return (f"WITH nl2sql_sample AS (SELECT {picked} FROM {source} LIMIT {int(sample_rows)}) "
            + " UNION ALL ".join(parts))
