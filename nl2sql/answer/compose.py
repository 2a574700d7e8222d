"""The answer sentence of one result, checked for safety before it is returned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from nl2sql.answer.columns import describe_columns
from nl2sql.answer.context import speech_context, stated_values
from nl2sql.answer.safety import unsupported_numbers
from nl2sql.answer.speech import speak
from nl2sql.catalog.model import Catalog
from nl2sql.generate.plan import QueryPlan
from nl2sql.link.timeexpr import TradingCalendar

__all__ = ["compose"]


def compose(plan: QueryPlan | None, catalog: Catalog, columns: tuple[str, ...],
            rows: Sequence[Sequence[Any]], *, lang: str, truncated: bool, as_of: dt.date,
            calendar: TradingCalendar | None, max_chars: int, assumption: str = "") -> str:
    """The sentence for speech; should a figure in it not come from the rows (a rendering
    bug), only the row count is read and the rows are left to the table."""
    specs = describe_columns(plan, catalog, columns, lang)
    ctx = speech_context(plan, specs, rows, as_of=as_of, calendar=calendar,
                         assumption=assumption)
    text = speak(specs, rows, lang=lang, context=ctx, truncated=truncated, max_chars=max_chars)
    if unsupported_numbers(text, rows, context=stated_values(plan, ctx)):
        return f"共{len(rows)}条结果，详见表格。" if lang == "zh" else \
            f"{len(rows)} rows; see the table."
    return text
