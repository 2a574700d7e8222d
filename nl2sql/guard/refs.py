"""Which `exp.Table` nodes of a query name a stored table, as opposed to a CTE in scope."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

__all__ = ["is_cte_ref", "stored_tables"]


def stored_tables(tree: exp.Expr) -> Iterator[exp.Table]:
    """Every reference to a stored table (not a CTE, not a table function), in tree order."""
    for table in list(tree.find_all(exp.Table)):
        if isinstance(table.this, exp.Identifier) and not is_cte_ref(table):
            yield table


def is_cte_ref(table: exp.Table) -> bool:
    """True if `table` names a CTE visible where it stands.

    >>> import sqlglot
    >>> tree = sqlglot.parse_one("WITH t AS (SELECT * FROM t) SELECT * FROM t")
    >>> [is_cte_ref(t) for t in tree.find_all(exp.Table)]
    [True, False]
    """
    if table.args.get("db") or table.args.get("catalog"):
        return False
    name = table.name.lower()
    prev: exp.Expr = table
    node = table.parent
    while node is not None:
        with_ = node if isinstance(node, exp.With) else node.args.get("with_")
        if isinstance(with_, exp.With) and name in _visible_ctes(with_, prev):
            return True
        prev, node = node, node.parent
    return False


def _visible_ctes(with_: exp.With, came_from: exp.Expr) -> list[str]:
    names = [c.alias_or_name.lower() for c in with_.expressions]
    if came_from is with_:
        return []  # already looked at from inside the WITH
    # Without RECURSIVE a CTE body sees only the CTEs defined before it.
    cut = next((i for i, c in enumerate(with_.expressions) if c is came_from), len(names))
    return names if with_.args.get("recursive") else names[:cut]
