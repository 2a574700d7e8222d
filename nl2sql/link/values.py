"""Entity values for linking: names and codes in text columns too varied for the value index."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlglot import exp

from nl2sql.backends.base import Backend
from nl2sql.catalog.model import Catalog
from nl2sql.catalog.relations import join_edges
from nl2sql.errors import ExecutionError

__all__ = ["EntityValue", "collect_entity_values", "master_tables", "open_days"]


@dataclass(frozen=True)
class EntityValue:
    table: str
    column: str
    value: str
    key: str  # the row's primary key (or the value itself): a name and its code share it


def collect_entity_values(catalog: Catalog, backend: Backend, *, max_rows: int = 200_000,
                          per_table: int = 50_000) -> list[EntityValue]:
    """Values of text columns without a value index, in tables of at most max_rows, one
    query per table.

    These are the securities names, codes and titles a question refers to by name. Large
    fact tables are skipped: their text columns are not entity names.
    """
    out: list[EntityValue] = []
    masters = master_tables(catalog)
    for table in catalog.tables:
        if table.row_count is not None and table.row_count > max_rows:
            continue
        # Master tables are read whole, keyed, even where the value index has their values:
        # the entity matcher needs to know that a name and its code are one row.
        cols = [c for c in table.columns
                if c.type_class == "text" and (not c.values or table.name in masters)]
        if not cols:
            continue
        key = table.primary_key[0] if len(table.primary_key) == 1 else None
        names = ([key] if key else []) + [c.name for c in cols]
        query = exp.select(*[exp.column(n, quoted=True) for n in names]).from_(
            exp.Table(this=exp.to_identifier(table.name, quoted=True),
                      db=exp.to_identifier(table.schema, quoted=True) if table.schema else None)
        ).limit(per_table)
        try:
            rows = backend.run(query.sql(backend.dialect), max_rows=per_table).rows
        except ExecutionError:
            continue  # a table we cannot read is simply not linkable by value
        seen: set[tuple[str, str, str]] = set()
        for row in rows:
            row_key = str(row[0]) if key else None
            for col, v in zip(cols, row[1:] if key else row, strict=False):
                text = str(v) if v is not None else ""
                if text and len(text) <= 60 and (col.name, text, row_key or text) not in seen:
                    seen.add((col.name, text, row_key or text))
                    out.append(EntityValue(table.name, col.name, text, row_key or text))
    return out


def master_tables(catalog: Catalog) -> set[str]:
    """Tables that at least two other tables join to: the entities questions name."""
    referrers: dict[str, set[str]] = {}
    for e in join_edges(catalog):
        referrers.setdefault(e.ref_table, set()).add(e.table)
    return {t for t, refs in referrers.items() if len(refs) >= 2}


def open_days(catalog: Catalog, backend: Backend) -> list[dt.date] | None:
    """The trading days, when the database has a calendar table: one date column as its
    key and a boolean saying whether the day is open (trade_calendar.is_open). None when
    it has none: then every day counts."""
    for table in catalog.tables:
        key = [c for c in table.columns if c.name in table.primary_key]
        flags = [c for c in table.columns if c.type_class == "boolean"]
        if len(key) != 1 or key[0].type_class != "date" or not flags:
            continue
        day, flag = (exp.column(c.name, quoted=True) for c in (key[0], flags[0]))
        query = (exp.select(day).from_(exp.Table(this=exp.to_identifier(table.name, quoted=True)))
                 .where(flag).order_by(day))
        try:
            rows = backend.run(query.sql(backend.dialect), max_rows=1_000_000).rows
        except ExecutionError:
            continue
        days = [r[0] for r in rows if isinstance(r[0], dt.date)]
        if days:
            return days
    return None
