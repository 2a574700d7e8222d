"""The typed query plan of the embedded parser, compiled to SQL with the sqlglot builder."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, fields
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from nl2sql.catalog.model import Catalog
from nl2sql.catalog.relations import join_edges
from nl2sql.errors import GenerationError

__all__ = ["ColRef", "Filter", "Having", "Measure", "Order", "QueryPlan", "compile_plan",
           "join_path"]

SET_OPS = ("union", "intersect", "except")


@dataclass(frozen=True)
class ColRef:
    table: str
    column: str


@dataclass(frozen=True)
class Measure:
    """A selected expression: a column, an aggregate of a column, or count(*) (col None).

    agg "pct" is the percentage of rows meeting `where` (100 * count(case) / count(*)).
    agg "growth" is the percent change over the plan's rows taken in time order: `col` on
    the last row (by `by`) against `start` on the first (100 * last / first - 100), so a
    window's change compounds its days; `start` is the level the first row began from (a
    previous close), `col` itself when None.
    """

    agg: str | None = None  # count, sum, avg, min, max, pct, growth
    col: ColRef | None = None
    distinct: bool = False
    where: Filter | None = None
    by: ColRef | None = None  # growth: the time column ordering the rows
    start: ColRef | None = None  # growth: the column read on the first row


@dataclass(frozen=True)
class Filter:
    """col op value; or col op (subquery) where `subquery` is given (value unused).

    Values: a scalar for comparisons and like (contains); a tuple for in / not in; a
    (low, high) pair for between; None for is null / is not null.
    """

    col: ColRef
    op: str  # =, !=, >, <, >=, <=, like, not like, in, not in, between, is null, is not null
    value: Any
    subquery: QueryPlan | None = None


@dataclass(frozen=True)
class Having:
    """A condition on an aggregate of each group."""

    measure: Measure
    op: str  # =, !=, >, <, >=, <=
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
    having: tuple[Having, ...] = ()
    set_op: str | None = None  # union, intersect, except ...
    other: QueryPlan | None = None  # ... of this plan's rows and this one's

    def tables(self) -> list[str]:
        """The tables the query reads, FROM first. The base table is read when nothing else
        is, or when rows are counted (count(*) counts the base's rows)."""
        refs = [m.col for m in self.select if m.col] + [f.col for f in self.filters]
        refs += list(self.group_by) + [o.measure.col for o in self.order_by if o.measure.col]
        refs += [self.latest] if self.latest else []
        refs += [m.where.col for m in self.select if m.where]
        refs += [h.measure.col for h in self.having if h.measure.col]
        measures = [*self.select, *(o.measure for o in self.order_by),
                    *(h.measure for h in self.having)]
        counts_rows = any(m.agg in ("count", "pct") and m.col is None for m in measures)
        first = [self.base] if counts_rows or not refs else []
        return list(dict.fromkeys([*first, *[r.table for r in refs], *self.joined]))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; `QueryPlan.from_dict` rebuilds the plan from it."""
        return _encode(self)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> QueryPlan:
        """The plan `to_dict` wrote.

        >>> p = QueryPlan((Measure("count"),), "t", (Filter(ColRef("t", "d"), ">=", dt.date(2024, 1, 2)),))
        >>> QueryPlan.from_dict(p.to_dict()) == p
        True
        """
        return _decode_plan(doc)


def _encode(value: Any) -> Any:
    """Dataclasses as dicts of their non-default fields; dates tagged so they come back."""
    if isinstance(value, ColRef):
        return {"table": value.table, "column": value.column}
    if isinstance(value, QueryPlan | Measure | Filter | Order | Having):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)
                if getattr(value, f.name) != f.default}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and value.keys() == {"date"}:
        return dt.date.fromisoformat(value["date"])
    if isinstance(value, dict) and value.keys() == {"datetime"}:
        return dt.datetime.fromisoformat(value["datetime"])
    if isinstance(value, list):
        return tuple(_decode_value(v) for v in value)
    return value


def _decode_col(doc: dict[str, Any] | None) -> ColRef | None:
    return ColRef(doc["table"], doc["column"]) if doc else None


def _decode_measure(doc: dict[str, Any]) -> Measure:
    return Measure(doc.get("agg"), _decode_col(doc.get("col")), doc.get("distinct", False),
                   _decode_filter(doc["where"]) if doc.get("where") else None,
                   _decode_col(doc.get("by")), _decode_col(doc.get("start")))


def _decode_filter(doc: dict[str, Any]) -> Filter:
    sub = doc.get("subquery")
    return Filter(ColRef(doc["col"]["table"], doc["col"]["column"]), doc["op"],
                  _decode_value(doc.get("value")), _decode_plan(sub) if sub else None)


def _decode_plan(doc: dict[str, Any]) -> QueryPlan:
    other = doc.get("other")
    return QueryPlan(
        select=tuple(_decode_measure(m) for m in doc["select"]),
        base=doc["base"],
        filters=tuple(_decode_filter(f) for f in doc.get("filters", ())),
        group_by=tuple(ColRef(g["table"], g["column"]) for g in doc.get("group_by", ())),
        order_by=tuple(Order(_decode_measure(o["measure"]), o.get("desc", False))
                       for o in doc.get("order_by", ())),
        limit=doc.get("limit"),
        latest=_decode_col(doc.get("latest")),
        distinct=doc.get("distinct", False),
        joined=tuple(doc.get("joined", ())),
        having=tuple(Having(_decode_measure(h["measure"]), h["op"], _decode_value(h["value"]))
                     for h in doc.get("having", ())),
        set_op=doc.get("set_op"),
        other=_decode_plan(other) if other else None,
    )


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


def _measure(m: Measure, dialect: str = "") -> exp.Expr:
    if m.agg is None:
        if m.col is None:
            return exp.Star()
        return _col(m.col)
    if m.agg == "pct":
        if m.where is None:
            raise GenerationError("a percentage needs the condition it counts", reason="bad_plan")
        hits = exp.Count(this=exp.Case(ifs=[exp.If(this=_condition(m.where, dialect),
                                                    true=exp.Literal.number(1))]))
        share = exp.Div(this=exp.Mul(this=exp.Literal.number("100.0"), expression=hits),
                        expression=exp.Count(this=exp.Star()))
        return share
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


def _conditions(filters: tuple[Filter, ...], dialect: str,
                catalog: Catalog | None = None) -> list[exp.Expr]:
    """AND of the filters; equalities on one column become IN (a column equals one value)."""
    out: list[exp.Expr] = []
    equal: dict[ColRef, list[Any]] = {}
    for f in filters:
        if f.op == "=" and f.subquery is None:
            equal.setdefault(f.col, []).append(f.value)
        else:
            out.append(_condition(f, dialect, catalog))
    for col, vals in equal.items():
        if len(vals) == 1:
            out.append(_condition(Filter(col, "=", vals[0]), dialect))
        else:
            out.append(exp.In(this=_col(col), expressions=[_literal(v, dialect) for v in vals]))
    return out


_COMPARISONS: dict[str, type[exp.Expr]] = {
    "=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, "<": exp.LT, ">=": exp.GTE, "<=": exp.LTE}


def _condition(f: Filter, dialect: str, catalog: Catalog | None = None) -> exp.Expr:
    col = _col(f.col)
    if f.subquery is not None:
        if catalog is None:
            raise GenerationError("a nested filter needs the catalog", reason="bad_plan")
        sub = _compile(f.subquery, catalog)
        if f.op in ("in", "not in"):
            found = exp.In(this=col, query=exp.Subquery(this=sub))
            return exp.Not(this=found) if f.op == "not in" else found
        return _compare(f.op, col, exp.Subquery(this=sub))
    if f.op in ("like", "not like"):
        like = exp.Like(this=col, expression=exp.Literal.string(f"%{f.value}%"))
        return exp.Not(this=like) if f.op == "not like" else like
    if f.op in ("in", "not in"):
        found = exp.In(this=col, expressions=[_literal(v, dialect) for v in f.value])
        return exp.Not(this=found) if f.op == "not in" else found
    if f.op == "between":
        low, high = f.value
        return exp.Between(this=col, low=_literal(low, dialect), high=_literal(high, dialect))
    if f.op in ("is null", "is not null"):
        null = exp.Is(this=col, expression=exp.Null())
        return exp.Not(this=null) if f.op == "is not null" else null
    return _compare(f.op, col, _literal(f.value, dialect))


def _compare(op: str, left: exp.Expr, right: exp.Expr) -> exp.Expr:
    if op not in _COMPARISONS:
        raise GenerationError(f"unknown comparison {op!r}", reason="bad_plan")
    return _COMPARISONS[op](this=left, expression=right)


def _ordered(key: exp.Expr, desc: bool, dialect: str) -> exp.Ordered:
    """ORDER BY key with the dialect's own NULL placement, so no NULLS clause is printed."""
    nulls = Dialect.get_or_raise(dialect).NULL_ORDERING
    nulls_first = (nulls == "nulls_are_small" and not desc) or (nulls == "nulls_are_large" and desc)
    return exp.Ordered(this=key, desc=desc, nulls_first=nulls_first)


def compile_plan(plan: QueryPlan, catalog: Catalog) -> exp.Query:
    """Build the SELECT: joins along FK paths from the base table, then the clauses; a set
    operation combines it with the other plan's SELECT."""
    query = _compile(plan, catalog)
    if plan.set_op is None:
        return query
    if plan.set_op not in SET_OPS or plan.other is None:
        raise GenerationError(f"bad set operation {plan.set_op!r}", reason="bad_plan")
    combine = {"union": exp.union, "intersect": exp.intersect, "except": exp.except_}
    return combine[plan.set_op](query, _compile(plan.other, catalog), distinct=True)


def _compile(plan: QueryPlan, catalog: Catalog) -> exp.Select:
    if any(m.agg == "growth" for m in plan.select):
        return _compile_growth(plan, catalog)
    tables = plan.tables()
    dialect = catalog.dialect
    query = exp.select(*[_measure(m, dialect) for m in plan.select]).from_(_table(tables[0]))
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
    conditions = _conditions(plan.filters, dialect, catalog)
    if plan.latest:
        latest = exp.select(exp.Max(this=_col(plan.latest))).from_(
            _table(plan.latest.table))
        conditions.append(exp.EQ(this=_col(plan.latest), expression=exp.Subquery(this=latest)))
    if conditions:
        query = query.where(exp.and_(*conditions))
    if plan.group_by:
        query = query.group_by(*[_col(g) for g in plan.group_by])
    if plan.having:
        query = query.having(exp.and_(*[_compare(h.op, _measure(h.measure, dialect),
                                                 _literal(h.value, dialect))
                                        for h in plan.having]))
    for o in plan.order_by:
        query = query.order_by(_ordered(_measure(o.measure, dialect), o.desc, dialect))
    if plan.limit is not None:
        query = query.limit(plan.limit)
    if plan.distinct:
        query = query.distinct()
    return query


def _compile_growth(plan: QueryPlan, catalog: Catalog) -> exp.Select:
    """SELECT 100.0 * (last row's col) / (first row's start) - 100 for each growth measure;
    each end is a one-row query over the plan's own rows, so any backend runs it."""
    if plan.group_by or plan.having or any(m.agg != "growth" for m in plan.select):
        raise GenerationError("a change over a window is asked for alone", reason="bad_plan")
    out = []
    for m in plan.select:
        if m.col is None or m.by is None:
            raise GenerationError("a change over a window needs a column and a time",
                                  reason="bad_plan")
        last = _row_at_end(plan, m.col, m.by, True, catalog)
        first = _row_at_end(plan, m.start or m.col, m.by, False, catalog)
        ratio = exp.Div(this=exp.Mul(this=exp.Literal.number("100.0"), expression=last),
                        expression=first)
        out.append(exp.Sub(this=ratio, expression=exp.Literal.number(100)))
    return exp.select(*out)


def _row_at_end(plan: QueryPlan, col: ColRef, by: ColRef, last: bool,
                catalog: Catalog) -> exp.Subquery:
    """col on the plan's last (or first) row in the order of `by`."""
    end = QueryPlan((Measure(None, col),), plan.base, plan.filters,
                    order_by=(Order(Measure(None, by), last),), limit=1, latest=plan.latest)
    return exp.Subquery(this=_compile(end, catalog))
