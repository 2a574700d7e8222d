"""Entity values for linking: names and codes in text columns too varied for the value index."""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from nl2sql.backends.base import Backend
from nl2sql.catalog.model import Catalog
from nl2sql.errors import ExecutionError

__all__ = ["collect_entity_values", "open_days"]


def collect_entity_values(catalog: Catalog, backend: Backend, *, max_rows: int = 200_000,
                          per_column: int = 50_000) -> dict[tuple[str, str], tuple[str, ...]]:
    """Distinct values of text columns without a value index, in tables of at most max_rows.

    These are the securities names, codes and titles a question refers to by name. Large
    fact tables are skipped: their text columns are not entity names.
    """
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for table in catalog.tables:
        if table.row_count is not None and table.row_count > max_rows:
            continue
        for col in table.columns:
            if col.type_class != "text" or col.values:
                continue
            ident = exp.column(col.name, quoted=True)
            query = (exp.select(ident).distinct()
                     .from_(exp.Table(this=exp.to_identifier(table.name, quoted=True),
                                      db=exp.to_identifier(table.schema, quoted=True)
                                      if table.schema else None))
                     .where(exp.Not(this=exp.Is(this=ident.copy(), expression=exp.Null())))
                     .limit(per_column))
            try:
                rows = backend.run(query.sql(backend.dialect), max_rows=per_column).rows
            except ExecutionError:
                continue  # a column we cannot read is simply not linkable by value
            vals = tuple(str(r[0]) for r in rows if r[0] is not None and len(str(r[0])) <= 60)
            if vals:
                out[(table.name, col.name)] = vals
    return out


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
