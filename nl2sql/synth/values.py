"""Real values to put in synthetic conditions, read through the backend with bounds.

Low-cardinality text columns come from the catalog's value index; other columns get one
bounded read, cached per column: the first rows' values (a row-order read is repeatable on
a file that does not change) or, for dates, the column's range. A read that fails or times
out leaves the column without values, and the sampler passes it by.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlglot

from nl2sql.backends.base import Backend
from nl2sql.catalog.model import Catalog, Column, Table
from nl2sql.errors import Nl2SqlError

__all__ = ["ValuePool"]

_SAMPLE_ROWS = 500


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class ValuePool:
    """Distinct values and date ranges per column, read once."""

    def __init__(self, backend: Backend, catalog: Catalog, timeout_ms: int = 2000) -> None:
        self._backend = backend
        self._catalog = catalog
        self._timeout_ms = timeout_ms
        self._values: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._ranges: dict[tuple[str, str], tuple[dt.date, dt.date] | None] = {}

    def _run(self, sql: str) -> list[tuple[Any, ...]]:
        text = sqlglot.transpile(sql, read="duckdb", write=self._catalog.dialect)[0]
        try:
            return self._backend.run(text, max_rows=_SAMPLE_ROWS,
                                     timeout_ms=self._timeout_ms).rows
        except Nl2SqlError:
            return []

    def values(self, table: Table, column: Column) -> tuple[Any, ...]:
        """Sorted distinct non-null values of the column (at most a few hundred)."""
        key = (table.name, column.name)
        if key not in self._values:
            if column.values:
                found: list[Any] = list(column.values)
            else:
                t, c = _quote(table.name), _quote(column.name)
                found = [_plain(r[0]) for r in self._run(
                    f"SELECT {c} FROM {t} WHERE {c} IS NOT NULL LIMIT {_SAMPLE_ROWS}")]
            self._values[key] = tuple(sorted(set(found), key=lambda v: (str(type(v)), v)))
        return self._values[key]

    def date_range(self, table: Table, column: Column) -> tuple[dt.date, dt.date] | None:
        """The first and last day the column holds, or None where it holds no dates."""
        key = (table.name, column.name)
        if key not in self._ranges:
            t, c = _quote(table.name), _quote(column.name)
            rows = self._run(f"SELECT min({c}), max({c}) FROM {t}")
            low, high = (_as_date(v) for v in rows[0]) if rows else (None, None)
            self._ranges[key] = (low, high) if low and high and low <= high else None
        return self._ranges[key]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None
