"""Entity values for linking: names and codes in text columns too varied for the value index."""

from __future__ import annotations

from sqlglot import exp

from nl2sql.backends.base import Backend
from nl2sql.catalog.model import Catalog
from nl2sql.errors import ExecutionError

__all__ = ["collect_entity_values"]


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
