"""Profile columns with bounded cost: engine statistics first, then bounded samples.

Per column: null fraction, distinct estimate, min/max (numbers and dates), the value index
(every distinct value of a low-cardinality text column, most frequent first) and a few
sample values. Sources, cheapest first:

1. engine statistics, read for the whole database in one batched query (PostgreSQL's
   pg_stats after ANALYZE): a table they cover costs no query of its own;
2. a small table (at most `_FETCH_CELLS` values) is read whole and profiled here;
3. a bigger one is aggregated in the database over its first `sample_rows` rows only.

Each per-table query runs within the table's time budget. A failure (permission, timeout,
a type the database cannot group) is returned as a Problem, never raised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlglot import exp

from nl2sql.backends.base import Backend
from nl2sql.catalog.model import Column, Problem, Table
from nl2sql.errors import CatalogError, ExecutionError

__all__ = ["STATISTICS", "ColumnStats", "profile_table", "quote_name", "read_statistics", "sample_sql",
           "sample_table"]

_SAMPLES = 3
# Longer values are no use for linking a spoken phrase; such a column gets no value index.
_MAX_VALUE_CHARS = 200
_SAMPLE_CHARS = 120
# SQLite allows at most 500 terms in a compound SELECT: wider tables take several queries.
_COLUMNS_PER_QUERY = 200
# A table with at most this many values (rows x columns) is read whole: one cheap query.
_FETCH_CELLS = 20_000
_SAMPLEABLE = frozenset({"number", "text", "date", "datetime", "boolean"})
# Nested or exotic types (arrays, structs, maps, geometry) are not grouped and cast safely.
_NESTED = ("[", "struct", "map(", "list", "array", "union", "geometry", "json", "point",
           "polygon", "circle", "box", "lseg", "path", "tsvector", "xml")
_ORDERED = frozenset({"number", "date", "datetime"})
_QUOTE = {"mysql": "`", "bigquery": "`", "spark": "`", "hive": "`", "databricks": "`"}
_DENIED = ("42501", "1142", "1143", "permission denied", "access denied")


@dataclass(frozen=True)
class ColumnStats:
    """Engine statistics of one column."""

    null_frac: float | None
    n_distinct: float | None  # PostgreSQL's convention: < 0 is minus a fraction of the rows
    common: tuple[str, ...] = ()  # most common values, most frequent first
    bounds: tuple[str, ...] = ()  # histogram bounds, ascending


TableStats = dict[str, ColumnStats]

# One query per dialect that has engine statistics; {schemas} and {tables} are filled in.
# Rows: schema, table, column, null fraction, n_distinct, common values, histogram bounds.
STATISTICS: dict[str, str] = {
    "postgres": """
SELECT s.schemaname, s.tablename, s.attname, s.null_frac, s.n_distinct,
       s.most_common_vals::text::text[], s.histogram_bounds::text::text[]
FROM pg_catalog.pg_stats AS s
WHERE s.schemaname IN ({schemas}) {tables}
ORDER BY s.schemaname, s.tablename, s.attname, s.inherited""",
}
_STATS_ROWS = 5_000_000


def read_statistics(
    backend: Backend, schemas: str, tables: Sequence[Table] | None = None
) -> dict[tuple[str, str], TableStats]:
    """Engine statistics of every column, by (schema, table): one query, or {} where the
    dialect has none or they cannot be read. `tables` narrows the query (a refresh)."""
    sql = STATISTICS.get(backend.dialect)
    if sql is None or (tables is not None and not tables):
        return {}
    where = ""
    if tables is not None:
        names = ", ".join(exp.Literal.string(t.name).sql(backend.dialect) for t in tables)
        where = f"AND s.tablename IN ({names})"
    try:
        rows = backend.run(sql.replace("{schemas}", schemas).replace("{tables}", where),
                           max_rows=_STATS_ROWS).rows
    except ExecutionError:
        return {}  # statistics are an optimisation: sampling still works
    out: dict[tuple[str, str], TableStats] = {}
    for schema, table, column, null_frac, n_distinct, common, bounds in rows:
        # Inherited rows sort last: a plain table's own statistics win.
        out.setdefault((schema, table), {}).setdefault(column, ColumnStats(
            _float(null_frac), _float(n_distinct),
            tuple(map(str, common or ())), tuple(map(str, bounds or ()))))
    return out


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def profile_table(
    backend: Backend,
    table: Table,
    *,
    stats: TableStats | None = None,
    value_index_limit: int = 200,
    sample_rows: int = 10000,
    budget_ms: int | None = None,
) -> tuple[Table, list[Problem]]:
    """The table with its columns profiled, and what could not be done.

    Columns covered by `stats` need no query; the rest are read whole (small table) or
    aggregated over a bounded sample, within `budget_ms`.
    """
    problems: list[Problem] = []
    exotic = [c for c in table.columns if not _sampleable(c)]
    if exotic:
        listed = ", ".join(f"{c.name} ({c.type})" for c in exotic)
        problems.append(Problem(table.name, "type", f"not profiled, exotic type: {listed}"))
    done: dict[str, Column] = {}
    pending = [c for c in table.columns if _sampleable(c)]
    if stats:
        for column in pending:
            st = stats.get(column.name)
            if st is not None:
                profiled = _from_stats(column, st, table.row_count, value_index_limit)
                if profiled is not None:
                    done[column.name] = profiled
        pending = [c for c in pending if c.name not in done]
        if not pending:
            return _with(table, done, table.row_count), problems
    try:
        found, rows = _sample(backend, table, pending, value_index_limit, sample_rows, budget_ms)
    except ExecutionError as e:
        problems.append(Problem(table.name, "profile", _reason(e)))
        return _with(table, done, table.row_count), problems
    return _with(table, {**done, **found}, rows), problems


def sample_table(
    backend: Backend, table: Table, *, value_index_limit: int = 200, sample_rows: int = 10000
) -> Table:
    """The table profiled from a bounded sample (no engine statistics); failures leave it
    unprofiled. `profile_table` also says what failed."""
    profiled, _ = profile_table(backend, table, value_index_limit=value_index_limit,
                                sample_rows=sample_rows)
    return profiled


def _with(table: Table, columns: dict[str, Column], rows: int | None) -> Table:
    return replace(table, columns=tuple(columns.get(c.name, c) for c in table.columns),
                   row_count=rows)


def _reason(e: ExecutionError) -> str:
    text = f"{e.message} {e.details.get('code', '')}".lower()
    if any(word in text for word in _DENIED):
        return f"permission denied: {e.message}"
    if "timeout_ms" in e.details or "timed out" in text:
        return f"timed out: {e.message}"
    return e.message


def _sampleable(column: Column) -> bool:
    type_ = column.type.lower()
    return column.type_class in _SAMPLEABLE and not any(word in type_ for word in _NESTED)


# -- engine statistics --------------------------------------------------------------------


def _from_stats(column: Column, st: ColumnStats, rows: int | None, limit: int) -> Column | None:
    """The column profiled from statistics, or None when they cannot give its value index."""
    distinct = _distinct(st.n_distinct, rows, st.null_frac)
    known = list(dict.fromkeys(st.common + st.bounds))
    values: tuple[str, ...] = ()
    if column.type_class == "text" and distinct is not None and distinct <= limit:
        if len(known) < distinct:
            return None  # low-cardinality but not every value is in the statistics: sample
        values = _value_index(column, known, limit)
    lo, hi = _extremes(column, known)
    return replace(column, values=values, samples=_samples(known), null_frac=st.null_frac,
                   distinct=distinct, min_value=lo, max_value=hi)


def _distinct(n_distinct: float | None, rows: int | None, null_frac: float | None) -> int | None:
    if n_distinct is None:
        return None
    if n_distinct >= 0:
        return int(n_distinct)
    if rows is None:
        return None
    return max(1, round(-n_distinct * rows))


def _extremes(column: Column, values: Iterable[str]) -> tuple[str | None, str | None]:
    if column.type_class not in _ORDERED:
        return None, None
    key = _number if column.type_class == "number" else str
    try:
        ordered = sorted(values, key=key)
    except (TypeError, ValueError):
        return None, None
    return (ordered[0], ordered[-1]) if ordered else (None, None)


def _number(text: str) -> float:
    return float(text.replace(",", "").lstrip("$"))


# -- sampling -----------------------------------------------------------------------------


def _sample(
    backend: Backend, table: Table, columns: list[Column], limit: int, sample_rows: int,
    budget_ms: int | None,
) -> tuple[dict[str, Column], int | None]:
    """Profiles of `columns` and the row count: the whole table if small, else a sample."""
    cap = min(sample_rows, max(1, _FETCH_CELLS // max(len(columns), 1)))
    estimate = table.row_count
    if estimate is None or estimate <= cap:
        # LIMIT just past the estimate: a stale estimate shows as one row too many.
        want = cap if estimate is None else estimate
        rows = backend.run(_fetch_sql(table, columns, backend.dialect, want + 1),
                           max_rows=want + 1, timeout_ms=budget_ms).rows
        if len(rows) <= want:  # the whole table
            return _profile_rows(columns, rows, limit, len(rows), exact=True), len(rows)
        if want >= sample_rows:  # as many rows as a sample reads anyway
            found = _profile_rows(columns, rows[:sample_rows], limit, None, exact=False)
            return found, _row_count(estimate, sample_rows, sample_rows)
    return _aggregate(backend, table, columns, limit, sample_rows, budget_ms)


def _fetch_sql(table: Table, columns: Sequence[Column], dialect: str, n: int) -> str:
    picked = ", ".join(quote_name(c.name, dialect) for c in columns) or "1 AS nl2sql_one"
    return f"SELECT {picked} FROM {_source(table, dialect)} LIMIT {int(n)}"


def _profile_rows(
    columns: list[Column], rows: list[tuple[Any, ...]], limit: int, table_rows: int | None,
    *, exact: bool,
) -> dict[str, Column]:
    out = {}
    for i, column in enumerate(columns):
        present = [r[i] for r in rows if r[i] is not None]
        counts = Counter(map(_text, present))
        ranked = [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        distinct = len(counts) if exact or len(counts) < len(present) else table_rows
        lo, hi = _typed_extremes(column, present)
        out[column.name] = replace(
            _profile(column, ranked[: max(limit + 1, _SAMPLES)], limit),
            null_frac=_ratio(len(rows) - len(present), len(rows)),
            distinct=distinct if rows else None, min_value=lo, max_value=hi,
        )
    return out


def _typed_extremes(column: Column, present: list[Any]) -> tuple[str | None, str | None]:
    if column.type_class not in _ORDERED or not present:
        return None, None
    try:
        return _text(min(present)), _text(max(present))
    except TypeError:  # SQLite: mixed types in one column
        return None, None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _aggregate(
    backend: Backend, table: Table, columns: list[Column], limit: int, sample_rows: int,
    budget_ms: int | None,
) -> tuple[dict[str, Column], int | None]:
    """Aggregate a sample of a big table in the database (one query per 200 columns)."""
    found: dict[int, list[tuple[int, str]]] = {}
    summary: dict[int, tuple[Any, ...]] = {}
    counted = 0
    for start in range(0, max(len(columns), 1), _COLUMNS_PER_QUERY):
        chunk = columns[start:start + _COLUMNS_PER_QUERY]
        sql = sample_sql(table, chunk, backend.dialect, limit, sample_rows, start)
        cap = 1 + len(chunk) * (limit + _SAMPLES)
        for i, value, n, *rest in backend.run(sql, max_rows=cap, timeout_ms=budget_ms).rows:
            if i < 0:
                counted = int(n)
            else:
                found.setdefault(int(i), []).append((-int(n), _text(value)))
                summary[int(i)] = tuple(rest)
    rows = _row_count(table.row_count, counted, sample_rows)
    out = {}
    for i, c in enumerate(columns):
        # UNION ALL does not keep the branches' order (DuckDB runs them in parallel): re-sort.
        ranked = [v for _, v in sorted(found.get(i, []))]
        distinct, nonnull, lo, hi = summary.get(i, (0, 0, None, None))
        out[c.name] = replace(
            _profile(c, ranked, limit), null_frac=_ratio(counted - int(nonnull or 0), counted),
            distinct=_sampled_distinct(int(distinct or 0), int(nonnull or 0), counted,
                                       sample_rows, rows),
            min_value=None if lo is None else _text(lo),
            max_value=None if hi is None else _text(hi))
    return out, rows


def _sampled_distinct(distinct: int, nonnull: int, counted: int, sample_rows: int,
                      rows: int | None) -> int:
    # All distinct in a sample of a bigger table: likely a key, as distinct as the table.
    if counted >= sample_rows and distinct == nonnull and rows:
        return max(distinct, round(rows * nonnull / max(counted, 1)))
    return distinct


def _row_count(estimate: int | None, counted: int, sample_rows: int) -> int | None:
    # A sample that did not fill up is the whole table: an exact count for free.
    if counted < sample_rows:
        return counted
    return None if estimate is None else max(estimate, counted)


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _value_index(column: Column, values: Sequence[str], limit: int) -> tuple[str, ...]:
    keep = (column.type_class == "text" and 0 < len(values) <= limit
            and all(len(v) <= _MAX_VALUE_CHARS for v in values))
    return tuple(values) if keep else ()


def _samples(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v if len(v) <= _SAMPLE_CHARS else v[: _SAMPLE_CHARS - 1] + "…"
                 for v in values[:_SAMPLES])


def _profile(column: Column, values: list[str], limit: int) -> Column:
    return replace(column, values=_value_index(column, values, limit), samples=_samples(values))


def quote_name(name: str, dialect: str) -> str:
    """A quoted identifier (what sqlglot would write, without its cost per column)."""
    mark = _QUOTE.get(dialect, '"')
    return mark + name.replace(mark, mark + mark) + mark


def _source(table: Table, dialect: str) -> str:
    name = quote_name(table.name, dialect)
    return f"{quote_name(table.schema, dialect)}.{name}" if table.schema else name


def sample_sql(
    table: Table,
    columns: Sequence[Column],
    dialect: str,
    limit: int,
    sample_rows: int,
    first_index: int = 0,
) -> str:
    """One query over the first `sample_rows` rows: the sampled row count, then per column
    its most frequent values with the column's distinct and non-null counts and extremes.

    Rows are (column index or -1 for the count, value as text, frequency, distinct,
    non-null, min, max). Text columns get up to `limit + 1` values (so "more than limit" is
    visible), others `_SAMPLES`.
    """

    def as_text(value: exp.Expression) -> str:
        return exp.cast(value, "text").sql(dialect)

    null = as_text(exp.null())
    picked = ", ".join(quote_name(c.name, dialect) for c in columns) or "1 AS nl2sql_one"
    parts = [f"SELECT -1 AS nl2sql_i, {null} AS nl2sql_v, COUNT(*) AS nl2sql_n, 0 AS nl2sql_d, "
             f"0 AS nl2sql_nn, {null} AS nl2sql_lo, {null} AS nl2sql_hi FROM nl2sql_sample"]
    for i, column in enumerate(columns):
        ref = exp.column(column.name, table="nl2sql_sample", quoted=True)
        col = ref.sql(dialect)
        top = max(limit + 1, _SAMPLES) if column.type_class == "text" else _SAMPLES
        if column.type_class in _ORDERED:
            lo = as_text(exp.Window(this=exp.Min(this=ref.copy())))
            hi = as_text(exp.Window(this=exp.Max(this=ref.copy())))
        else:
            lo = hi = null
        parts.append(
            f"SELECT {first_index + i} AS nl2sql_i, nl2sql_v, nl2sql_n, nl2sql_d, nl2sql_nn, "
            f"nl2sql_lo, nl2sql_hi FROM ("
            f"SELECT {as_text(ref)} AS nl2sql_v, COUNT(*) AS nl2sql_n, "
            f"COUNT(*) OVER () AS nl2sql_d, SUM(COUNT(*)) OVER () AS nl2sql_nn, "
            f"{lo} AS nl2sql_lo, {hi} AS nl2sql_hi FROM nl2sql_sample "
            f"WHERE {col} IS NOT NULL GROUP BY {col} "
            f"ORDER BY nl2sql_n DESC, nl2sql_v LIMIT {top}) AS nl2sql_b{i}"
        )
    source = _source(table, dialect)
    return (f"WITH nl2sql_sample AS (SELECT {picked} FROM {source} LIMIT {int(sample_rows)}) "
            + " UNION ALL ".join(parts))


def check_positive(name: str, value: int) -> None:
    """A CatalogError unless `value` is a positive integer."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CatalogError(f"{name} must be a positive integer, got {value!r}")
