"""HTAP routing: point lookups to the row store, scans and aggregates to the columnar copy.

A row store answers a query through an index when every table it reads is reached by key:
its key column (the leading primary-key column, or a column whose values are all distinct)
is pinned to literals (`=`, `IN`, or a scalar subquery that is itself reached by key), or
joined by key to a table already reached. Such a query touches a handful of rows, which a
columnar engine would find by scanning. Everything else (aggregates, GROUP BY, DISTINCT,
windows, set operations, a LIMIT above `point_limit`, any table read without a key filter)
reads many rows, where the columnar copy is faster and keeps the load off the row store.

    >>> from nl2sql.catalog.model import Catalog, Column, Table
    >>> t = Table("stock", (Column("code", "text"), Column("close", "double")),
    ...           primary_key=("code",))
    >>> cat = Catalog("postgres", (t,))
    >>> choose("SELECT close FROM stock WHERE code = 'A'", cat, "postgres")
    Route(store='row', reason='point lookup: stock.code pinned')
    >>> choose("SELECT avg(close) FROM stock", cat, "postgres").store
    'columnar'
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from nl2sql.catalog.model import Catalog, Table

__all__ = ["Route", "choose"]

# A column with at least this share of distinct values per row is treated as unique.
_UNIQUE_SHARE = 0.99


@dataclass(frozen=True)
class Route:
    store: str  # "row" | "columnar"
    reason: str


class _Scan(Exception):
    """The query reads many rows; the message says why."""


def choose(sql: str, catalog: Catalog, read: str, point_limit: int = 100) -> Route:
    """Where `sql` (written in `read`) should run; unparsable SQL stays on the row store,
    whose guard reports the error."""
    try:
        tree = sqlglot.parse_one(sql, read=read)
    except sqlglot.errors.SqlglotError:
        return Route("row", "not parsed; the guard decides")
    try:
        pinned = _point(tree, catalog, point_limit, outer=True)
    except _Scan as e:
        return Route("columnar", str(e))
    return Route("row", f"point lookup: {pinned} pinned")


def _point(select: exp.Expr, catalog: Catalog, point_limit: int, outer: bool) -> str:
    """The key that makes `select` a point lookup; raises _Scan otherwise."""
    if not isinstance(select, exp.Select):
        raise _Scan(f"{select.key} reads whole inputs")
    if select.args.get("group"):
        raise _Scan("GROUP BY aggregates many rows")
    if select.args.get("distinct") or any(e.find(exp.Window) for e in select.expressions):
        raise _Scan("DISTINCT or window reads many rows")
    # An aggregate over key-pinned rows (MAX(date) of one stock) is an index range read,
    # but in the outermost query it is what the question asks for: a scan-type answer.
    if outer and any(e.find(exp.AggFunc) for e in select.expressions):
        raise _Scan("aggregate")
    limit = select.args.get("limit")
    if limit is not None:
        n = limit.expression
        if not (isinstance(n, exp.Literal) and n.is_int and int(n.this) <= point_limit):
            raise _Scan(f"LIMIT above {point_limit}")
    tables = _tables(select, catalog)
    for sub in _subqueries(select):
        _point(sub, catalog, point_limit, outer=False)
    return _reach(select, tables)


def _tables(select: exp.Select, catalog: Catalog) -> dict[str, Table]:
    """The FROM and JOIN tables of this SELECT by alias; derived tables are scans."""
    sources = [select.args.get("from_")]
    sources += [j for j in select.args.get("joins") or ()]
    out: dict[str, Table] = {}
    for source in sources:
        node = source.this if source is not None else None
        if not isinstance(node, exp.Table):
            raise _Scan("reads a derived table" if node is not None else "no table")
        table = catalog.table(node.name)
        if table is None:
            raise _Scan(f"unknown table {node.name}")
        out[node.alias_or_name] = table
    return out


def _subqueries(select: exp.Select) -> list[exp.Select]:
    """SELECTs nested in this one's expressions and WHERE (not in its FROM)."""
    found = []
    for node in select.find_all(exp.Select):
        if node is not select and node.parent_select is select:
            found.append(node)
    return found


def _keys(table: Table) -> set[str]:
    keys = {table.primary_key[0]} if table.primary_key else set()
    for c in table.columns:
        if c.primary_key and len(table.primary_key) <= 1:
            keys.add(c.name)
        if c.distinct and table.row_count and c.distinct >= _UNIQUE_SHARE * table.row_count:
            keys.add(c.name)
    return {k.lower() for k in keys}


def _owner(col: exp.Column, tables: dict[str, Table]) -> str | None:
    """The alias of the table a column belongs to, if this SELECT reads it."""
    if col.table:
        return col.table if col.table in tables else None
    owners = [a for a, t in tables.items() if t.column(col.name) is not None]
    return owners[0] if len(owners) == 1 else None


def _reach(select: exp.Select, tables: dict[str, Table]) -> str:
    """Check every table is reached by key from pinned values; returns the first key."""
    pinned: dict[str, str] = {}
    joins: list[tuple[exp.Column, exp.Column]] = []
    where = select.args.get("where")
    conditions = [where.this] if where is not None else []
    conditions += [j.args["on"] for j in select.args.get("joins") or () if j.args.get("on")]
    for cond in conditions:
        cond = cond.unnest()
        for part in cond.flatten() if isinstance(cond, exp.And) else (cond,):
            _note(part.unnest(), tables, pinned, joins)
    grew = True
    while grew:
        grew = False
        for a, b in joins + [(b, a) for a, b in joins]:
            src, dst = _owner(a, tables), _owner(b, tables)
            if src in pinned and dst is not None and dst not in pinned \
                    and b.name.lower() in _keys(tables[dst]):
                pinned[dst] = f"{tables[dst].name}.{b.name}"
                grew = True
    missing = [tables[a].name for a in tables if a not in pinned]
    if missing:
        raise _Scan(f"scan: no key filter on {', '.join(missing)}")
    return next(iter(pinned.values()))


def _note(part: exp.Expr, tables: dict[str, Table], pinned: dict[str, str],
          joins: list[tuple[exp.Column, exp.Column]]) -> None:
    """Record a conjunct that pins a key column or joins two columns."""
    if isinstance(part, exp.EQ):
        left, right = part.this, part.expression
        if isinstance(left, exp.Column) and isinstance(right, exp.Column):
            joins.append((left, right))
            return
        col, value = (left, right) if isinstance(left, exp.Column) else (right, left)
        fixed = isinstance(value, exp.Literal | exp.Subquery | exp.Neg | exp.Cast)
    elif isinstance(part, exp.In):
        col, fixed = part.this, all(isinstance(v, exp.Literal) for v in part.expressions)
        fixed = fixed and bool(part.expressions)
    else:
        return
    if not (isinstance(col, exp.Column) and fixed):
        return
    alias = _owner(col, tables)
    if alias is not None and alias not in pinned and col.name.lower() in _keys(tables[alias]):
        pinned[alias] = f"{tables[alias].name}.{col.name}"
