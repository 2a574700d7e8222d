"""The catalog: plain, frozen descriptions of tables and columns, shared by every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

__all__ = ["Catalog", "Column", "ForeignKey", "Problem", "Relationship", "Table", "TypeClass",
           "type_class"]

TypeClass = Literal["number", "text", "date", "datetime", "boolean", "other"]

_TYPE_WORDS: tuple[tuple[TypeClass, tuple[str, ...]], ...] = (
    ("boolean", ("bool", "tinyint(1)")),  # MySQL spells BOOLEAN as TINYINT(1)
    ("datetime", ("timestamp", "datetime")),
    ("date", ("date",)),
    ("number", ("int", "dec", "num", "real", "float", "double", "money", "serial")),
    ("text", ("char", "text", "string", "clob", "uuid", "enum")),
)


@lru_cache(maxsize=4096)  # a schema has few distinct type names; this runs per column
def type_class(declared: str) -> TypeClass:
    """Map a declared SQL type to a coarse class.

    >>> type_class("DECIMAL(18, 2)"), type_class("varchar(20)"), type_class("TIMESTAMP")
    ('number', 'text', 'datetime')
    """
    t = declared.lower()
    for cls, words in _TYPE_WORDS:
        if any(w in t for w in words):
            return cls
    return "text" if not t else "other"


@dataclass(frozen=True, slots=True)  # slots: a large catalog has 100,000s of columns
class Column:
    name: str
    type: str
    nullable: bool = True
    comment: str = ""
    primary_key: bool = False
    # Distinct values of a low-cardinality text column (the value index used for linking).
    values: tuple[str, ...] = ()
    # A few example values of any column, as text.
    samples: tuple[str, ...] = ()
    # Profile: from engine statistics or a bounded sample; None where unknown.
    null_frac: float | None = None
    distinct: int | None = None  # estimated distinct non-null values
    min_value: str | None = None
    max_value: str | None = None

    @property
    def type_class(self) -> TypeClass:
        return type_class(self.type)


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    schema: str = ""
    comment: str = ""
    kind: Literal["table", "view"] = "table"
    row_count: int | None = None
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    # Hash of the table's DDL (columns, types, comments, keys): unchanged means not re-profiled.
    fingerprint: str = ""

    def column(self, name: str) -> Column | None:
        """The column of that name, compared case-insensitively."""
        low = name.lower()
        return next((c for c in self.columns if c.name.lower() == low), None)


@dataclass(frozen=True)
class Problem:
    """Something introspection could not do for one table; the rest of the catalog is fine.

    `stage` is where it failed: "structure", "profile", "type" or "relationships".
    """

    table: str
    stage: str
    message: str


@dataclass(frozen=True)
class Relationship:
    """A join key between two tables: declared (confidence 1) or inferred with evidence."""

    table: str
    column: str
    ref_table: str
    ref_column: str
    confidence: float
    declared: bool = False
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Catalog:
    dialect: str
    tables: tuple[Table, ...]
    source: str = ""
    problems: tuple[Problem, ...] = ()
    # Inferred join keys (declared ones live on the tables); see catalog.relations.
    relationships: tuple[Relationship, ...] = ()
    _by_name: dict[str, Table] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({t.name.lower(): t for t in self.tables})

    def table(self, name: str) -> Table | None:
        """The table of that name, compared case-insensitively."""
        return self._by_name.get(name.lower())

    def schema_mapping(self) -> dict[str, dict[str, str]]:
        """{table: {column: type}}, the shape sqlglot's optimizer expects."""
        return {t.name: {c.name: c.type or "TEXT" for c in t.columns} for t in self.tables}
