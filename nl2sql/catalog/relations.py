"""Join edges between tables: declared foreign keys, plus keys inferred from names.

Many analytical schemas declare no foreign keys. A column is taken as a table's key when it
is the declared single-column primary key or is named after the table (`business_id` in
`business`, `user_id` in `users`); a same-named column of the same type class in another
table then refers to it. Inferred edges are used only between tables that have no declared
edge. (The catalog issue adds value-overlap evidence and confidences.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from nl2sql.catalog.model import Catalog, Table
from nl2sql.text import identifier_words, stem

__all__ = ["JoinEdge", "join_edges"]


@dataclass(frozen=True)
class JoinEdge:
    table: str
    column: str
    ref_table: str
    ref_column: str
    declared: bool


def _key_columns(table: Table) -> set[str]:
    """Columns that identify the table's rows: a single-column primary key, or a column
    named after the table (`business_id` in business, `user_id` in users, `cid` in
    conference)."""
    keys = set(table.primary_key) if len(table.primary_key) == 1 else set()
    words = identifier_words(table.name)
    bases = {"".join(words), "".join(stem(w) for w in words), words[0][0] if words else ""}
    names = {f"{b}{suffix}" for b in bases if b for suffix in ("id", "code", "no")}
    keys |= {c.name for c in table.columns if c.name.lower().replace("_", "") in names}
    return keys


@cache
def join_edges(catalog: Catalog) -> tuple[JoinEdge, ...]:
    """Every join edge of the catalog, declared ones first."""
    edges: list[JoinEdge] = []
    linked: set[frozenset[str]] = set()
    for t in catalog.tables:
        for fk in t.foreign_keys:
            ref = catalog.table(fk.ref_table)
            if ref is None:
                continue
            for c, rc in zip(fk.columns, fk.ref_columns, strict=False):
                edges.append(JoinEdge(t.name, c, ref.name, rc, True))
            linked.add(frozenset((t.name, ref.name)))
    owners: dict[str, list[Table]] = {}
    for ref in catalog.tables:
        for key in _key_columns(ref):
            owners.setdefault(key.lower(), []).append(ref)
    for key, tables in owners.items():
        if len(tables) > 1:
            continue  # a key name two tables claim (cid: conference or checkin?) proves nothing
        ref = tables[0]
        key_col = ref.column(key)
        for t in catalog.tables:
            col = t.column(key)
            if (t is ref or col is None or key_col is None
                    or frozenset((t.name, ref.name)) in linked
                    or col.type_class != key_col.type_class):
                continue
            edges.append(JoinEdge(t.name, col.name, ref.name, key_col.name, False))
    return tuple(edges)
