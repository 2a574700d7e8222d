"""The state one guard run threads through its checks, and per-catalog lookups built once."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process
from sqlglot.errors import SqlglotError
from sqlglot.schema import MappingSchema

from nl2sql.catalog.model import Catalog, Table
from nl2sql.errors import GuardError

if TYPE_CHECKING:
    from nl2sql.guard.access import Access

__all__ = ["CatalogIndex", "Context", "close_names", "index_of", "reject"]


@dataclass(frozen=True)
class CatalogIndex:
    """Case-insensitive lookups over one catalog."""

    tables: dict[str, Table]
    columns: dict[str, dict[str, str]]  # table (lower) -> column (lower) -> real column name
    by_column: dict[str, tuple[str, ...]]  # column (lower) -> real names of tables having it
    _schemas: dict[str, MappingSchema] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, catalog: Catalog) -> CatalogIndex:
        tables = {t.name.lower(): t for t in catalog.tables}
        columns = {k: {c.name.lower(): c.name for c in t.columns} for k, t in tables.items()}
        by_column: dict[str, list[str]] = {}
        for t in tables.values():
            for c in t.columns:
                by_column.setdefault(c.name.lower(), []).append(t.name)
        return cls(tables, columns, {k: tuple(v) for k, v in by_column.items()})

    def schema(self, dialect: str) -> MappingSchema | None:
        """The catalog as sqlglot's optimizer wants it, normalized for `dialect`."""
        if dialect not in self._schemas:
            # Types are irrelevant to name resolution; TEXT avoids parsing odd declared types.
            mapping: dict[str, object] = {
                t.name: {c.name: "TEXT" for c in t.columns} for t in self.tables.values()
            }
            try:
                self._schemas[dialect] = MappingSchema(mapping, dialect=dialect)
            except SqlglotError:
                return None
        return self._schemas[dialect]


_INDEXES: dict[int, tuple[weakref.ref[Catalog], CatalogIndex]] = {}
_LOCK = threading.Lock()


def index_of(catalog: Catalog) -> CatalogIndex:
    """The (cached) index of `catalog`; keyed by identity since hashing a catalog is O(size)."""
    hit = _INDEXES.get(id(catalog))
    if hit is not None and hit[0]() is catalog:
        return hit[1]
    index = CatalogIndex.build(catalog)
    key = id(catalog)
    with _LOCK:
        _INDEXES[key] = (weakref.ref(catalog, lambda _: _INDEXES.pop(key, None)), index)
    return index


@dataclass(frozen=True)
class Context:
    """What every check may read; `applied` collects the names of rewrites made."""

    catalog: Catalog
    index: CatalogIndex
    dialect: str
    read: str
    max_rows: int | None = None
    sql: str | None = None
    access: Access | None = None  # what the caller may read; None: everything
    applied: list[str] = field(default_factory=list)

    @property
    def dialects(self) -> tuple[str, ...]:
        return (self.read, self.dialect)


def reject(reason: str, message: str, **details: Any) -> GuardError:
    """A GuardError carrying a machine-readable `reason` next to the human message."""
    return GuardError(message, reason=reason, **details)


def close_names(name: str, choices: list[str] | tuple[str, ...], limit: int = 3) -> list[str]:
    """Up to `limit` of `choices` that look like `name`, best first, compared case-insensitively.

    >>> close_names("singr", ["singer", "concert", "stadium"])
    ['singer']
    """
    lowered = [c.lower() for c in choices]
    hits = process.extract(name.lower(), lowered, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    return [choices[i] for _, _, i in hits]
