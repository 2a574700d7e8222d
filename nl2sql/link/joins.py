"""The join graph retrieval walks (over `catalog.relations.join_edges`), and short paths
between tables. Hubs (a date or id dimension joined to hundreds of tables) are not walked
through."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from nl2sql.catalog.model import Catalog
from nl2sql.catalog.relations import JoinEdge

__all__ = ["HUB", "JoinGraph"]

HUB = 200  # tables with more join partners than this are not walked through (date, id hubs)


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
