"""The catalog seen as a question writer sees it: per table its label, categories, free
text, measures, times and its neighbours along join keys."""

from __future__ import annotations

from dataclasses import dataclass

from nl2sql.catalog.model import Catalog, Column, Table
from nl2sql.catalog.relations import join_edges
from nl2sql.catalog.summary import column_role

__all__ = ["Link", "SchemaView", "TableView"]

_MAX_CATEGORIES = 200
_LABEL_WORDS = ("name", "title")


@dataclass(frozen=True)
class Link:
    """`table.column` holds the key `ref_table.ref_column`."""

    table: str
    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class TableView:
    table: Table
    label: Column | None   # what names one row (a name or title, else a text key)
    dims: tuple[Column, ...]      # few distinct values: equality, IN, GROUP BY
    texts: tuple[Column, ...]     # free text: equality on a value, LIKE
    measures: tuple[Column, ...]  # numbers to aggregate, compare and order by
    times: tuple[Column, ...]     # DATE / TIMESTAMP columns
    nullable: tuple[Column, ...]  # columns the profile saw NULL in
    parents: tuple[Link, ...]     # keys this table holds of other tables
    children: tuple[Link, ...]    # other tables holding this table's key


def _is_category(c: Column, role: str) -> bool:
    if c.type_class == "boolean":
        return True
    few = c.distinct is not None and 2 <= c.distinct <= _MAX_CATEGORIES
    return role == "dimension" and (bool(c.values) or (few and c.type_class == "number"))


def _label(table: Table, texts: list[Column], keys: list[Column]) -> Column | None:
    named = [c for c in table.columns if c.type_class == "text"
             and any(w in c.name.lower() for w in _LABEL_WORDS)]
    text_keys = [c for c in keys if c.type_class == "text"]
    return next(iter(named + texts + text_keys + keys), None)


def _view(table: Table, links: list[Link], keyed: frozenset[str]) -> TableView:
    roles = {c.name: column_role(table, c, keyed) for c in table.columns}
    dims = [c for c in table.columns if _is_category(c, roles[c.name])]
    texts = [c for c in table.columns if c.type_class == "text" and roles[c.name] == "dimension"
             and c not in dims]
    measures = [c for c in table.columns if roles[c.name] == "measure" and c not in dims]
    times = [c for c in table.columns if c.type_class in ("date", "datetime")]
    keys = [c for c in table.columns if roles[c.name] == "key"]
    nullable = [c for c in table.columns if c.null_frac and 0 < c.null_frac < 1]
    return TableView(
        table, _label(table, texts, keys), tuple(dims), tuple(texts), tuple(measures),
        tuple(times), tuple(nullable),
        tuple(lk for lk in links if lk.table == table.name),
        tuple(lk for lk in links if lk.ref_table == table.name))


@dataclass(frozen=True)
class SchemaView:
    catalog: Catalog
    tables: dict[str, TableView]

    @classmethod
    def build(cls, catalog: Catalog) -> SchemaView:
        links = [Link(e.table, e.column, e.ref_table, e.ref_column) for e in join_edges(catalog)
                 if e.table != e.ref_table]
        keyed: dict[str, set[str]] = {}
        for lk in links:
            keyed.setdefault(lk.table, set()).add(lk.column)
            keyed.setdefault(lk.ref_table, set()).add(lk.ref_column)
        views = {t.name: _view(t, links, frozenset(keyed.get(t.name, ()))) for t in catalog.tables
                 if t.kind == "table" or t.row_count}
        return cls(catalog, views)
