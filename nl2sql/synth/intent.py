"""What a synthetic query means, one level above its QueryPlan.

The sampler writes an Intent; the plan (and so the SQL) and the questions are both read
from it, so a question never says more or less than its SQL. A Condition keeps what a
person would say ("in March 2024") where the plan has two filters (>= and <).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from nl2sql.generate.plan import ColRef, Filter, Having, Measure, Order, QueryPlan

__all__ = ["Condition", "Intent"]

_OPS = {"eq": "=", "ne": "!=", "gt": ">", "lt": "<", "ge": ">=", "le": "<=", "like": "like",
        "in": "in", "between": "between", "is_null": "is null", "not_null": "is not null",
        "date_eq": "=", "date_after": ">", "date_before": "<"}


@dataclass(frozen=True)
class Condition:
    """One condition as said; kinds: eq ne in like gt lt ge le between is_null not_null
    date_eq date_after date_before window latest has has_no above_avg below_avg."""

    kind: str
    col: ColRef
    values: tuple[Any, ...] = ()  # window: (start, end, grain)
    sub: Intent | None = None     # has / has_no: the related rows (selecting the join key)

    def filters(self) -> tuple[Filter, ...]:
        if self.kind == "window":
            start, end, _ = self.values
            return Filter(self.col, ">=", start), Filter(self.col, "<", end)
        if self.kind in ("has", "has_no"):
            assert self.sub is not None
            op = "in" if self.kind == "has" else "not in"
            return (Filter(self.col, op, None, self.sub.plan()),)
        if self.kind in ("above_avg", "below_avg"):
            avg = QueryPlan((Measure("avg", self.col),), self.col.table)
            return (Filter(self.col, ">" if self.kind == "above_avg" else "<", None, avg),)
        if self.kind == "latest":
            return ()
        if self.kind in ("in", "between"):
            return (Filter(self.col, _OPS[self.kind], tuple(self.values)),)
        value = self.values[0] if self.values else None
        return (Filter(self.col, _OPS[self.kind], value),)


@dataclass(frozen=True)
class Intent:
    """A query as the generator means it: construct, select list, conditions, grouping,
    having, order and limit, or a set operation of two intents over one table."""

    construct: str
    base: str
    select: tuple[Measure, ...]
    conditions: tuple[Condition, ...] = ()
    group: ColRef | None = None
    having: Having | None = None
    order: Order | None = None
    limit: int | None = None
    distinct: bool = False
    set_op: str | None = None
    other: Intent | None = None

    def plan(self) -> QueryPlan:
        filters = tuple(f for c in self.conditions for f in c.filters())
        latest = next((c.col for c in self.conditions if c.kind == "latest"), None)
        return QueryPlan(
            select=self.select, base=self.base, filters=filters,
            group_by=(self.group,) if self.group else (),
            order_by=(self.order,) if self.order else (), limit=self.limit, latest=latest,
            distinct=self.distinct, having=(self.having,) if self.having else (),
            set_op=self.set_op, other=self.other.plan() if self.other else None)

    def columns(self) -> list[ColRef]:
        """Every column the intent names, conditions of nested intents included."""
        refs = [m.col for m in self.select if m.col]
        refs += [m.where.col for m in self.select if m.where]
        for c in self.conditions:
            refs.append(c.col)
            refs += c.sub.columns() if c.sub else []
        refs += [self.group] if self.group else []
        refs += [self.having.measure.col] if self.having and self.having.measure.col else []
        refs += [self.order.measure.col] if self.order and self.order.measure.col else []
        refs += self.other.columns() if self.other else []
        return refs


def month_after(day: dt.date) -> dt.date:
    """The first day of the next month."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
