"""The join graph retrieval walks: declared and name-inferred keys, and short paths between tables.

`catalog.relations.join_edges` pairs every table holding a key column with every table
owning it; on a warehouse where `customer_id` sits in hundreds of tables that is over a
million edges and half a minute for 5,000 tables. Retrieval never walks through such a
hub anyway, so `key_edges` applies the same naming rule but leaves out key columns held
by more than `hub` tables, in time linear in the columns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from nl2sql.catalog.model import Catalog, Table
from nl2sql.catalog.relations import JoinEdge
from nl2sql.text import identifier_words, stem

__all__ = ["HUB", "JoinGraph", "key_edges"]

HUB = 200  # tables with more join partners than this are not walked through (date, id hubs)
# An id-like column name shared by at most this many tables joins them pairwise.
_SHARED_ID_MAX = 12
_ID_SUFFIXES = ("id", "code", "no", "key")
_BARE = frozenset(_ID_SUFFIXES)


def key_edges(catalog: Catalog, hub: int = HUB) -> list[JoinEdge]:
    """Declared foreign keys, then keys inferred from names between tables not yet linked."""
    edges: list[JoinEdge] = []
    linked: set[frozenset[str]] = set()
    holders: dict[str, list[tuple[Table, str, str]]] = defaultdict(list)
    for t in catalog.tables:
        for c in t.columns:
            holders[c.name.lower()].append((t, c.name, c.type_class))
        for fk in t.foreign_keys:
            ref = catalog.table(fk.ref_table)
            if ref is not None:
                edges += [JoinEdge(t.name, c, ref.name, rc, True)
                          for c, rc in zip(fk.columns, fk.ref_columns, strict=False)]
                linked.add(frozenset((t.name, ref.name)))
    for group in holders.values():
        if 1 < len(group) <= _SHARED_ID_MAX and _id_like(group[0][1]):
            edges += _shared(group, linked)
    for ref in catalog.tables:
        for key in _key_columns(ref):
            col = ref.column(key)
            group = holders.get(key.lower(), [])
            if col is None or len(group) > hub:
                continue
            edges += [JoinEdge(t.name, name, ref.name, col.name, False) for t, name, tc in group
                      if t is not ref and tc == col.type_class
                      and frozenset((t.name, ref.name)) not in linked]
    return edges


def _id_like(column: str) -> bool:
    """`aid`, `paper_id`, `city_code`, `order_no`: but not a bare `id`, held by everything."""
    low = column.lower().replace("_", "")
    return low not in _BARE and low.endswith(_ID_SUFFIXES)


def _shared(group: list[tuple[Table, str, str]], linked: set[frozenset[str]]) -> list[JoinEdge]:
    """Tables sharing an id-like column name of one type class, each pair once, no key
    direction known (schemas without declared or table-named keys: `writes.aid`, `author.aid`)."""
    out = []
    for x, (a, col_a, tc_a) in enumerate(group):
        for b, col_b, tc_b in group[x + 1:]:
            pair = frozenset((a.name, b.name))
            if a is not b and tc_a == tc_b and pair not in linked:
                out.append(JoinEdge(a.name, col_a, b.name, col_b, False))
                linked.add(pair)
    return out


def _key_columns(table: Table) -> set[str]:
    """The single-column primary key, and columns named after the table: `paper_id` in
    `paper`, `keyphraseid` in `keyphrase`, `customer_no` in `crm_customer` of schema crm."""
    keys = set(table.primary_key) if len(table.primary_key) == 1 else set()
    words = identifier_words(table.name)
    prefix = identifier_words(table.schema) if table.schema else []
    if prefix and words[:len(prefix)] == prefix and len(words) > len(prefix):
        words = words[len(prefix):]
    bases = {"".join(words), "".join(stem(w) for w in words)}
    names = {b + suffix for b in bases for suffix in ("id", "code", "no")}
    return keys | {c.name for c in table.columns if c.name.lower().replace("_", "") in names}


class JoinGraph:
    """Tables by catalog position; each neighbor marked True when the key is declared."""

    def __init__(self, catalog: Catalog, edges: Iterable[JoinEdge], hub: int = HUB) -> None:
        position = {t.name.lower(): i for i, t in enumerate(catalog.tables)}
        self.hub = hub
        self.neighbors: list[dict[int, bool]] = [{} for _ in catalog.tables]
        for e in edges:
            a, b = position.get(e.table.lower()), position.get(e.ref_table.lower())
            if a is None or b is None or a == b:
                continue
            self.neighbors[a][b] = self.neighbors[a].get(b, False) or e.declared
            self.neighbors[b][a] = self.neighbors[b].get(a, False) or e.declared

    def walkable(self, table: int) -> bool:
        return len(self.neighbors[table]) <= self.hub

    def path(self, a: int, b: int, score: Callable[[int], float]) -> tuple[int, ...]:
        """Intermediate tables of the best join path of at most three edges from a to b:
        most declared edges first, then the highest summed `score`; () if none or adjacent."""
        na, nb = self.neighbors[a], self.neighbors[b]
        if b in na or not (self.walkable(a) and self.walkable(b)):
            return ()

        def rank(path: tuple[int, ...]) -> tuple[int, int, float, int]:
            hops = zip((a, *path), (*path, b), strict=True)
            declared = sum(self.neighbors[p].get(q, False) for p, q in hops)
            return (-len(path), declared, sum(score(p) for p in path), -sum(path))

        one = [(c,) for c in na if c in nb]
        if one:
            return max(one, key=rank)
        # Two tables in between only along declared keys: inferred ones wander off too easily.
        two = [(c, e) for c, declared in na.items() if declared and self.walkable(c)
               for e, on in self.neighbors[c].items() if on and nb.get(e) and e != a]
        return max(two, key=rank) if two else ()
