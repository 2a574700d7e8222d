"""Sample Intents over a schema: one construct at a time, with real values.

Each construct is a small function of (sampler, table view) returning an Intent or None
when the table cannot carry it. Conditions use values read from the database; numbers are
rounded as people say them (12.37 -> 12). Conditions may sit on tables one to three join
hops away; compile_plan adds the joins.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from typing import Any

from nl2sql.catalog.model import Column
from nl2sql.generate.plan import ColRef, Having, Measure, Order
from nl2sql.synth.intent import Condition, Intent, month_after
from nl2sql.synth.schema_view import SchemaView, TableView
from nl2sql.synth.values import ValuePool

__all__ = ["CONSTRUCTS", "Sampler"]

_MAX_HOPS = 3


def nice_number(value: Any) -> int | float:
    """A value rounded to two significant digits, as a person would say it.

    >>> nice_number(12.37), nice_number(123456), nice_number(7), nice_number(0.0234)
    (12, 120000, 7, 0.023)
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    if value == 0 or (isinstance(value, int) and abs(value) < 100):
        return value
    digits = 2 - int(math.floor(math.log10(abs(value)))) - 1
    rounded = round(value, digits)
    return int(rounded) if digits <= 0 or rounded == int(rounded) else rounded


class Sampler:
    """Draws Intents from one schema with one random generator."""

    def __init__(self, view: SchemaView, pool: ValuePool, rng: random.Random) -> None:
        self.view = view
        self.pool = pool
        self.rng = rng

    # -- columns and values -------------------------------------------------------------

    def ref(self, tv: TableView, column: Column) -> ColRef:
        return ColRef(tv.table.name, column.name)

    def pick(self, items: Any) -> Any:
        items = list(items)
        return self.rng.choice(items) if items else None

    def values(self, tv: TableView, column: Column) -> tuple[Any, ...]:
        return self.pool.values(tv.table, column)

    def related(self, tv: TableView, hops: int) -> TableView | None:
        """A table reached from tv by following up to `hops` keys it holds."""
        here = tv
        for _ in range(hops):
            link = self.pick(here.parents)
            if link is None or link.ref_table not in self.view.tables:
                break
            here = self.view.tables[link.ref_table]
        return here if here is not tv else None

    # -- conditions ---------------------------------------------------------------------

    def condition(self, tv: TableView, kinds: tuple[str, ...] = ()) -> Condition | None:
        """One condition on one of tv's columns; `kinds` limits what sort it may be."""
        makers: list[tuple[str, Callable[[TableView], Condition | None]]] = [
            ("category", self._on_category), ("text", self._on_text),
            ("number", self._on_number), ("time", self._on_time), ("null", self._on_null)]
        allowed = [(k, f) for k, f in makers if not kinds or k in kinds]
        self.rng.shuffle(allowed)
        weights = {"category": 4, "text": 2, "number": 3, "time": 2, "null": 1}
        allowed.sort(key=lambda kf: -weights[kf[0]] * self.rng.random())
        for _, make in allowed:
            found = make(tv)
            if found is not None:
                return found
        return None

    def _on_category(self, tv: TableView) -> Condition | None:
        column = self.pick(tv.dims)
        if column is None:
            return None
        values = self.values(tv, column)
        if not values:
            return None
        kind = self.rng.choices(("eq", "ne", "in", "like"), (6, 1, 2, 1))[0]
        value = self.pick(values)
        if kind == "like" and isinstance(value, str) and len(value) >= 3:
            return Condition("like", self.ref(tv, column), (_fragment(value, self.rng),))
        if kind == "in" and len(values) >= 3:
            return Condition("in", self.ref(tv, column), tuple(self.rng.sample(values, 2)))
        return Condition("ne" if kind == "ne" else "eq", self.ref(tv, column), (value,))

    def _on_text(self, tv: TableView) -> Condition | None:
        column = self.pick(tv.texts)
        values = self.values(tv, column) if column is not None else ()
        value = self.pick(v for v in values if isinstance(v, str) and 2 <= len(v) <= 40)
        if value is None:
            return None
        if self.rng.random() < 0.4:
            return Condition("like", self.ref(tv, column), (_fragment(value, self.rng),))
        return Condition("eq", self.ref(tv, column), (value,))

    def _on_number(self, tv: TableView) -> Condition | None:
        column = self.pick(tv.measures)
        values = [v for v in self.values(tv, column) if isinstance(v, int | float)
                  and not isinstance(v, bool)] if column is not None else []
        if len(values) < 3:
            return None
        if self.rng.random() < 0.2:
            low, high = sorted(nice_number(v) for v in self.rng.sample(values, 2))
            if low < high:
                return Condition("between", self.ref(tv, column), (low, high))
        kind = self.rng.choice(("gt", "lt", "ge", "le", "gt", "lt"))
        return Condition(kind, self.ref(tv, column), (nice_number(self.pick(values)),))

    def _on_time(self, tv: TableView) -> Condition | None:
        column = self.pick(tv.times)
        span = self.pool.date_range(tv.table, column) if column is not None else None
        if span is None:
            return None
        low, high = span
        day = low + dt.timedelta(days=self.rng.randint(0, (high - low).days))
        ref = self.ref(tv, column)
        kind = self.rng.choices(("year", "month", "after", "before", "day"), (2, 3, 2, 2, 2))[0]
        if kind == "year":
            start = dt.date(day.year, 1, 1)
            return Condition("window", ref, (start, dt.date(day.year + 1, 1, 1), "year"))
        if kind == "month":
            start = day.replace(day=1)
            return Condition("window", ref, (start, month_after(start), "month"))
        if kind in ("after", "before"):
            return Condition(f"date_{kind}", ref, (day,))
        if column.type_class == "date":
            return Condition("date_eq", ref, (day,))
        return Condition("window", ref, (day, day + dt.timedelta(days=1), "day"))

    def _on_null(self, tv: TableView) -> Condition | None:
        column = self.pick(tv.nullable)
        if column is None:
            return None
        return Condition(self.rng.choice(("is_null", "not_null")), self.ref(tv, column))

    def conditions(self, tv: TableView, most: int = 2, joined: float = 0.25
                   ) -> tuple[Condition, ...]:
        """Zero to `most` conditions on distinct columns, some on related tables."""
        count = self.rng.choices(range(most + 1), [1, 3, 1][: most + 1])[0]
        out: list[Condition] = []
        for _ in range(count):
            target = tv
            if self.rng.random() < joined:
                target = self.related(tv, self.rng.randint(1, _MAX_HOPS)) or tv
            found = self.condition(target)
            if found is not None and found.col not in {c.col for c in out}:
                out.append(found)
        return tuple(out)

    # -- measures -----------------------------------------------------------------------

    def measure(self, tv: TableView) -> Measure:
        column = self.pick(tv.measures)
        if column is None or self.rng.random() < 0.25:
            return Measure("count")
        return Measure(self.rng.choice(("avg", "sum", "max", "min")), self.ref(tv, column))

    def grouping(self, tv: TableView) -> ColRef | None:
        if tv.dims and self.rng.random() < 0.8:
            return self.ref(tv, self.pick(tv.dims))
        other = self.related(tv, self.rng.randint(1, 2))
        return self.ref(other, self.pick(other.dims)) if other and other.dims else None

    def label(self, tv: TableView) -> ColRef | None:
        """What names a row: the table's label, or (joined) its parent's name."""
        parent = self.related(tv, 1) if self.rng.random() < 0.4 else None
        if parent is not None and parent.label is not None and parent.label.type_class == "text":
            return self.ref(parent, parent.label)
        return self.ref(tv, tv.label) if tv.label is not None else None


def _fragment(value: str, rng: random.Random) -> str:
    """A piece of a value to search for with LIKE: a word, or two to three characters."""
    words = [w for w in value.split() if len(w) >= 3]
    if words:
        return rng.choice(words)
    size = min(len(value), rng.choice((2, 2, 3)))
    start = rng.randint(0, len(value) - size)
    return value[start:start + size]


# -- constructs -------------------------------------------------------------------------

def _project(s: Sampler, tv: TableView) -> Intent | None:
    label = s.label(tv)
    conds = s.conditions(tv, 2) or tuple(c for c in [s.condition(tv)] if c)
    if label is None or not conds:
        return None
    extra = s.pick([c for c in tv.measures + tv.dims if c.name != label.column])
    select = [Measure(None, label)]
    if extra is not None and s.rng.random() < 0.4:
        select.append(Measure(None, s.ref(tv, extra)))
    return Intent("project", tv.table.name, tuple(select), conds)


def _count(s: Sampler, tv: TableView) -> Intent | None:
    return Intent("count", tv.table.name, (Measure("count"),), s.conditions(tv, 2, 0.35))


def _aggregate(s: Sampler, tv: TableView) -> Intent | None:
    m = s.measure(tv)
    if m.agg == "count":
        return None
    return Intent("agg", tv.table.name, (m,), s.conditions(tv, 2, 0.35))


def _count_distinct(s: Sampler, tv: TableView) -> Intent | None:
    column = s.pick(tv.dims + tv.texts)
    if column is None:
        return None
    m = Measure("count", s.ref(tv, column), distinct=True)
    return Intent("count_distinct", tv.table.name, (m,), s.conditions(tv, 1))


def _distinct(s: Sampler, tv: TableView) -> Intent | None:
    column = s.pick(tv.dims)
    if column is None:
        return None
    conds = tuple(c for c in s.conditions(tv, 2) if c.col != s.ref(tv, column))
    return Intent("distinct", tv.table.name, (Measure(None, s.ref(tv, column)),), conds,
                  distinct=True)


def _group(s: Sampler, tv: TableView) -> Intent | None:
    group = s.grouping(tv)
    if group is None:
        return None
    m = s.measure(tv)
    conds = tuple(c for c in s.conditions(tv, 1) if c.col != group)
    return Intent("group", tv.table.name, (Measure(None, group), m), conds, group=group)


def _having(s: Sampler, tv: TableView) -> Intent | None:
    base = _group(s, tv)
    if base is None or base.group is None:
        return None
    m = base.select[1]
    return Intent("having", base.base, (Measure(None, base.group),), base.conditions,
                  group=base.group, having=Having(m, s.rng.choice((">", "<", ">=")), None))


def _group_topk(s: Sampler, tv: TableView) -> Intent | None:
    base = _group(s, tv)
    if base is None or base.group is None:
        return None
    m = base.select[1]
    return Intent("group_topk", base.base, (Measure(None, base.group),), base.conditions,
                  group=base.group, order=Order(m, s.rng.random() < 0.75),
                  limit=s.rng.choice((1, 3, 5)))


def _topk(s: Sampler, tv: TableView) -> Intent | None:
    label = s.label(tv)
    column = s.pick(tv.measures)
    if label is None or column is None:
        return None
    order = Order(Measure(None, s.ref(tv, column)), s.rng.random() < 0.7)
    conds = s.conditions(tv, 1)
    if tv.times and s.rng.random() < 0.4:
        conds = (Condition("latest", s.ref(tv, s.pick(tv.times))),)
    k = s.rng.choice((1, 3, 5, 10))
    select = (Measure(None, label),) + ((order.measure,) if s.rng.random() < 0.5 else ())
    return Intent("top1" if k == 1 else "topk", tv.table.name, select, conds, order=order,
                  limit=k)


def _order(s: Sampler, tv: TableView) -> Intent | None:
    found = _topk(s, tv)
    conds = s.conditions(tv, 2)
    if found is None or not conds:
        return None
    return Intent("order", found.base, found.select, conds, order=found.order)


def _nested(s: Sampler, tv: TableView) -> Intent | None:
    """Rows that have (or lack) related rows, or whose measure beats the average."""
    label = s.label(tv) if tv.label is not None else None
    if label is None:
        return None
    link = s.pick(tv.children)
    if link is not None and link.table in s.view.tables and s.rng.random() < 0.7:
        child = s.view.tables[link.table]
        key = ColRef(link.table, link.column)
        kind = s.rng.choice(("has", "has", "has_no"))
        sub_conds = s.conditions(child, 1, 0.0) if kind == "has" else ()
        sub = Intent("sub", child.table.name, (Measure(None, key),), sub_conds)
        cond = Condition(kind, ColRef(tv.table.name, link.ref_column), (), sub)
        return Intent("nested", tv.table.name, (Measure(None, label),), (cond,))
    column = s.pick(tv.measures)
    if column is None:
        return None
    cond = Condition(s.rng.choice(("above_avg", "below_avg")), s.ref(tv, column))
    return Intent("nested", tv.table.name, (Measure(None, label),), (cond,))


def _setop(s: Sampler, tv: TableView) -> Intent | None:
    if tv.label is None:
        return None
    label = (Measure(None, s.ref(tv, tv.label)),)
    a, b = s.condition(tv), s.condition(tv)
    if a is None or b is None or a == b:
        return None
    op = s.rng.choice(("union", "intersect", "except"))
    return Intent("setop", tv.table.name, label, (a,), set_op=op,
                  other=Intent("setop", tv.table.name, label, (b,)))


def _ratio(s: Sampler, tv: TableView) -> Intent | None:
    cond = s._on_category(tv)
    if cond is None or cond.kind != "eq":
        return None
    where = cond.filters()[0]
    pct = Measure("pct", where=where)
    if s.rng.random() < 0.4:
        group = s.grouping(tv)
        if group is not None and group != cond.col:
            return Intent("group_ratio", tv.table.name, (Measure(None, group), pct), group=group)
    return Intent("ratio", tv.table.name, (pct,), s.conditions(tv, 1, 0.0))


# construct -> (sampler, weight in the schedule)
CONSTRUCTS: dict[str, tuple[Callable[[Sampler, TableView], Intent | None], int]] = {
    "project": (_project, 2), "count": (_count, 2), "agg": (_aggregate, 3),
    "count_distinct": (_count_distinct, 1), "distinct": (_distinct, 1), "group": (_group, 3),
    "having": (_having, 1), "group_topk": (_group_topk, 2), "topk": (_topk, 3),
    "order": (_order, 1), "nested": (_nested, 2), "setop": (_setop, 1), "ratio": (_ratio, 1),
}
