"""What each result column is, for speech: a label, a unit and a kind, from the catalog.

A planned query knows which catalog column (and aggregate) each result column is, so its
bilingual comment ("涨跌幅 | Percent change | %") gives the spoken label, the unit and
whether the value is a change that reads as 涨/跌.
"""

from __future__ import annotations

from dataclasses import dataclass

from nl2sql.catalog.model import Catalog, Column
from nl2sql.generate.plan import Measure, QueryPlan
from nl2sql.text import has_cjk

__all__ = ["ColumnSpec", "describe_columns"]

_AGG_WORDS = {
    "zh": {"count": "数量", "avg": "平均{}", "sum": "{}合计", "max": "最高{}", "min": "最低{}"},
    "en": {"count": "count", "avg": "average {}", "sum": "total {}", "max": "highest {}",
           "min": "lowest {}"},
}
_GROWTH_WORDS = {"zh": "区间涨跌幅", "en": "change over the period"}
# A column is a change (read as rose/fell) when its comment says so.
_CHANGE_WORDS = ("涨跌", "收益率", "change", "return")


@dataclass(frozen=True)
class ColumnSpec:
    """One result column as it is read aloud."""

    label: str
    unit: str = ""         # from the comment's third part: 元, 手, 点, %, 万股 ...
    change: bool = False   # a signed change: spoken as 涨/跌, rose/fell
    kind: str = "value"    # value | count | date | name


def describe_columns(plan: QueryPlan | None, catalog: Catalog, columns: tuple[str, ...],
                     lang: str) -> tuple[ColumnSpec, ...]:
    """Specs for a planned query's columns; plain result names for anything else."""
    if plan is None or len(plan.select) != len(columns):
        return tuple(ColumnSpec(c) for c in columns)
    return tuple(_spec(m, catalog, lang) for m in plan.select)


def _spec(m: Measure, catalog: Catalog, lang: str) -> ColumnSpec:
    col = _column(m, catalog)
    if m.agg == "count":
        return ColumnSpec(_AGG_WORDS[lang]["count"], kind="count")
    if m.agg == "growth":  # a percent change whatever the column it is computed from
        return ColumnSpec(_GROWTH_WORDS[lang], "%", change=True)
    if col is None:
        return ColumnSpec(m.col.column if m.col else "*")
    parts = [p.strip() for p in col.comment.split("|")] if col.comment else []
    zh = next((p for p in parts[:2] if has_cjk(p)), "")
    en = next((p for p in parts[:2] if p and not has_cjk(p)), "")
    name = (zh if lang == "zh" else en) or col.name
    unit = parts[2] if len(parts) >= 3 else ""
    change = any(w in f"{zh} {en}".lower() for w in _CHANGE_WORDS) and m.agg is None
    kind = {"date": "date", "datetime": "date", "text": "name"}.get(col.type_class, "value")
    label = _AGG_WORDS[lang][m.agg].format(name).strip() if m.agg else name
    return ColumnSpec(label, unit, change, kind)


def _column(m: Measure, catalog: Catalog) -> Column | None:
    if m.col is None:
        return None
    table = catalog.table(m.col.table)
    return table.column(m.col.column) if table else None
