"""What the sentence states besides the rows, read off the query plan and the calendar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from nl2sql.answer.columns import ColumnSpec
from nl2sql.answer.speech import Context
from nl2sql.generate.plan import QueryPlan
from nl2sql.link.timeexpr import TradingCalendar

__all__ = ["speech_context", "stated_values"]


def speech_context(plan: QueryPlan | None, specs: Sequence[ColumnSpec],
                   rows: Sequence[Sequence[Any]], *, as_of: dt.date,
                   calendar: TradingCalendar | None, assumption: str = "") -> Context:
    """Whose figures (the entity filtered on), of which day (a one-day filter, or the one
    date all rows share), else as of which date. Dates are stated only over databases
    with a trading calendar, where figures change by the day."""
    filters = plan.filters if plan is not None else ()
    subject = "".join(dict.fromkeys(
        f.value for f in filters if f.op == "=" and isinstance(f.value, str)))
    if calendar is None:
        return Context(subject=subject, assumption=assumption)
    days = {f.value for f in filters if f.op == "=" and isinstance(f.value, dt.date)}
    dated = [i for i, s in enumerate(specs) if s.kind == "date"]
    if not days and dated and rows:
        days = {row[dated[0]] for row in rows}
    day = next(iter(days)) if len(days) == 1 else None
    closed = calendar.is_closed(day if day is not None else as_of)
    return Context(subject=subject, day=day, as_of=as_of, closed=closed, assumption=assumption)


def stated_values(plan: QueryPlan | None, ctx: Context) -> list[Any]:
    """Values a sentence may state that are not in the rows: the query's filter values and
    limit, the dates it names, the assumed option."""
    out: list[Any] = [ctx.subject, ctx.day, ctx.as_of, ctx.assumption]
    if plan is not None:
        out += [f.value for f in plan.filters] + [plan.limit]
    return out
