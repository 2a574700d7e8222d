"""The typed query plan of the embedded parser, compiled to SQL with the sqlglot builder."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from nl2sql.catalog.model import Catalog
from nl2sql.catalog.relations import join_edges
from nl2sql.errors import GenerationError

__all__ = ["ColRef", "Filter", "Measure", "Order", "QueryPlan", "compile_plan", "join_path"]


@dataclass(frozen=True)
class ColRef:
    table: str
    column: str


@dataclass(frozen=True)
class Measure:
    """A selected expression: a column, an aggregate of a column, or count(*) (col None)."""

    agg: str | None = None  # count, sum, avg, min, max
    col: ColRef | None = None
    distinct: bool = False


@dataclass(frozen=True)
class Filter:
    col: ColRef
    op: str  # =, !=, >, <, >=, <=, like
    value: Any


@dataclass(frozen=True)
class Order:
    measure: Measure
    desc: bool = False


@dataclass(frozen=True)
class QueryPlan:
    select: tuple[Measure, ...]
    base: str  # the table the question is about; others are joined to it
    filters: tuple[Filter, ...] = ()
    group_by: tuple[ColRef, ...] = ()
    order_by: tuple[Order, ...] = ()
    limit: int | None = None
    latest: ColRef | None = None  # keep only the rows at this time column's latest value
    distinct: bool = False
    joined: tuple[str, ...] = ()  # tables joined only to count their rows

    def tables(self) -> list[str]:
        """The tables the query reads, FROM first. The base table is read when nothing else
        is, or when rows are counted (count(*) counts the base's rows)."""
        refs = [m.col for m in self.select if m.col] + [f.col for f in self.filters]
        refs += list(self.group_by) + [o.measure.col for o in self.order_by if o.measure.col]
        refs += [self.latest] if self.latest else []
        counts_rows = any(m.agg == "count" and m.col is None
                          for m in [*self.select, *(o.measure for o in self.order_by)])
        first = [self.base] if counts_rows or not refs else []
        return list(dict.fromkeys([*first, *[r.table for r in refs], *self.joined]))


def join_path(catalog: Catalog, start: str, goal: str) -> list[tuple[str, str, str, str]]:
    """Shortest join path from start to goal as (table, column, other_table, other_column) hops."""
    edges: dict[str, list[tuple[str, str, str, str]]] = {}
    for e in join_edges(catalog):
        edges.setdefault(e.table, []).append((e.table, e.column, e.ref_table, e.ref_column))
        edges.setdefault(e.ref_table, []).append((e.ref_table, e.ref_column, e.table, e.column))
    prev: dict[str, tuple[str, str, str, str] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for hop in edges.get(node, ()):
            if hop[2] not in prev:
                prev[hop[2]] = hop
                queue.append(hop[2])
    if goal not in prev:
        raise GenerationError(f"no foreign-key path joins {start} and {goal}", reason="no_join_path")
    path = []
    step = prev[goal]
    while step is not None:
        path.append(step)
        step = prev[step[0]]
    return path[::-1]


def _table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def _col(ref: ColRef) -> exp.Column:
    return exp.column(ref.column, table=ref.table, quoted=True)


def _measure(m: Measure) -> exp.Expr:
    if m.agg is None:
        if m.col is None:
            return exp.Star()
        return _col(m.col)
    arg: exp.Expr = _col(m.col) if m.col else exp.Star()
    if m.distinct:
        arg = exp.Distinct(expressions=[arg])
    cls = {"count": exp.Count, "sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}
    return cls[m.agg](this=arg)


# Dialects without a DATE type compare ISO date strings instead.
_DATES_AS_TEXT = frozenset({"sqlite", "mysql"})


def _literal(value: Any, dialect: str = "") -> exp.Expr:
    if isinstance(value, dt.date):
        text = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
        if dialect in _DATES_AS_TEXT:
            return exp.Literal.string(text)
        kind = "TIMESTAMP" if isinstance(value, dt.datetime) else "DATE"
        return exp.cast(exp.Literal.string(text), kind)
    if isinstance(value, bool) or value is None:
        return exp.convert(value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def _conditions(filters: tuple[Filter, ...], dialect: str) -> list[exp.Expr]:
    """AND of the filters; equalities on one column become IN (a column equals one value)."""
    out: list[exp.Expr] = []
    equal: dict[ColRef, list[Any]] = {}
    for f in filters:
        if f.op == "=":
            equal.setdefault(f.col, []).append(f.value)
        else:
            out.append(_condition(f, dialect))
    for col, vals in equal.items():
        if len(vals) == 1:
            out.append(_condition(Filter(col, "=", vals[0]), dialect))
        else:
            out.append(exp.In(this=_col(col), expressions=[_literal(v, dialect) for v in vals]))
    return out


def _condition(f: Filter, dialect: str) -> exp.Expr:
    col, val = _col(f.col), _literal(f.value, dialect)
    ops = {"=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, "<": exp.LT, ">=": exp.GTE, "<=": exp.LTE}
    if f.op == "like":
        return exp.Like(this=col, expression=exp.Literal.string(f"%{f.value}%"))
    return ops[f.op](this=col, expression=val)


def _ordered(key: exp.Expr, desc: bool, dialect: str) -> exp.Ordered:
    """ORDER BY key with the dialect's own NULL placement, so no NULLS clause is printed."""
    nulls = Dialect.get_or_raise(dialect).NULL_ORDERING
    nulls_first = (nulls == "nulls_are_small" and not desc) or (nulls == "nulls_are_large" and desc)
    return exp.Ordered(this=key, desc=desc, nulls_first=nulls_first)


def compile_plan(plan: QueryPlan, catalog: Catalog) -> exp.Select:
    """Build the SELECT: joins along FK paths from the base table, then the clauses."""
    tables = plan.tables()
    query = exp.select(*[_measure(m) for m in plan.select]).from_(_table(tables[0]))
    joined = {tables[0]}
    for table in tables[1:]:
        if table in joined:
            continue
        hops = min((join_path(catalog, j, table) for j in joined), key=len)
        for t, c, other, oc in hops:
            if other in joined:
                continue
            on = exp.EQ(this=_col(ColRef(t, c)), expression=_col(ColRef(other, oc)))
            query = query.join(_table(other), on=on)
            joined.add(other)
    conditions = _conditions(plan.filters, catalog.dialect)
    if plan.latest:
        latest = exp.select(exp.Max(this=_col(plan.latest))).from_(
            _table(plan.latest.table))
        conditions.append(exp.EQ(this=_col(plan.latest), expression=exp.Subquery(this=latest)))
    if conditions:
        query = query.where(exp.and_(*conditions))
    if plan.group_by:
        query = query.group_by(*[_col(g) for g in plan.group_by])
    for o in plan.order_by:
        query = query.order_by(_ordered(_measure(o.measure), o.desc, catalog.dialect))
    if plan.limit is not None:
        query = query.limit(plan.limit)
    if plan.distinct:
        query = query.distinct()
    return query
