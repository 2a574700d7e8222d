"""Spider's difficulty levels (easy, medium, hard, extra) computed from a SQL syntax tree.

The rules are Spider's own (`eval_hardness` of its evaluation script), read off a sqlglot
tree instead of Spider's parsed form, so any query (a synthetic one, a prediction) can be
labelled without a Spider schema file:

- component 1: WHERE, GROUP BY, ORDER BY, LIMIT, each join, each OR, each LIKE;
- component 2: nested queries in conditions, and the partner of a set operation;
- others: more than one aggregate, select item, WHERE condition or GROUP BY key.

Spider counts a negated WHERE condition (NOT IN, NOT LIKE) as an aggregate; so does this,
to give the same labels.

>>> spider_hardness("SELECT count(*) FROM singer")
'easy'
>>> spider_hardness("SELECT name, age FROM singer WHERE age > 30 ORDER BY age DESC")
'medium'
>>> spider_hardness("SELECT name FROM singer WHERE age > (SELECT avg(age) FROM singer)")
'hard'
>>> spider_hardness("SELECT a FROM t WHERE b > 1 GROUP BY a INTERSECT SELECT a FROM t")
'extra'
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

__all__ = ["Components", "components", "spider_hardness"]

HARDNESS = ("easy", "medium", "hard", "extra")


@dataclass(frozen=True)
class Components:
    """Spider's three counts for one query."""

    first: int   # clauses, joins, ORs, LIKEs
    nested: int  # subqueries in conditions, set-operation partners
    others: int  # several aggregates / select items / conditions / group keys


def _main_select(tree: exp.Expr) -> tuple[exp.Select | None, int]:
    """The leftmost SELECT of a set operation chain, and 1 when there is a set operation."""
    if isinstance(tree, exp.SetOperation):
        left, _ = _main_select(tree.this)
        return left, 1
    if isinstance(tree, exp.Subquery):
        return _main_select(tree.this)
    return (tree if isinstance(tree, exp.Select) else None), 0


def _leaves(node: exp.Expr | None) -> tuple[list[exp.Expr], int]:
    """The condition units of a boolean tree and the number of ORs joining them."""
    if node is None:
        return [], 0
    if isinstance(node, exp.Paren):
        return _leaves(node.this)
    if isinstance(node, exp.And | exp.Or):
        left, lor = _leaves(node.this)
        right, ror = _leaves(node.expression)
        return left + right, lor + ror + isinstance(node, exp.Or)
    return [node], 0


def _is_like(unit: exp.Expr) -> bool:
    inner = unit.this if isinstance(unit, exp.Not) else unit
    return isinstance(inner, exp.Like | exp.ILike)


def _aggregates(nodes: list[exp.Expr]) -> int:
    """Select items or order keys whose value is an aggregate (outer level only)."""
    return sum(1 for n in nodes if isinstance(_unwrap(n), exp.AggFunc))


def _unwrap(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Alias | exp.Ordered | exp.Paren):
        node = node.this
    return node


def components(tree: exp.Expr) -> Components:
    """Spider's counts of the query's outermost SELECT."""
    select, set_ops = _main_select(tree)
    if select is None:
        return Components(0, set_ops, 0)
    where = select.args.get("where")
    having = select.args.get("having")
    group = select.args.get("group")
    order = select.args.get("order")
    joins = select.args.get("joins") or []
    where_units, where_or = _leaves(where.this if where else None)
    having_units, having_or = _leaves(having.this if having else None)
    on_units: list[exp.Expr] = []
    on_or = 0
    for j in joins:
        units, ors = _leaves(j.args.get("on"))
        on_units += units
        on_or += ors
    conditions = on_units + where_units + having_units
    first = sum(bool(c) for c in (where, group, order, select.args.get("limit")))
    first += len(joins) + on_or + where_or + having_or + sum(map(_is_like, conditions))
    nested = set_ops + sum(1 for u in where_units + having_units for _ in u.find_all(exp.Subquery))
    keys = group.expressions if group else []
    aggs = _aggregates(select.expressions) + _aggregates(order.expressions if order else [])
    aggs += sum(isinstance(u, exp.Not) for u in where_units)
    others = sum((aggs > 1, len(select.expressions) > 1, len(where_units) > 1, len(keys) > 1))
    return Components(first, nested, others)


def spider_hardness(sql: str | exp.Expr, dialect: str = "") -> str:
    """"easy", "medium", "hard" or "extra" for one query, by Spider's rules."""
    tree = sqlglot.parse_one(sql, read=dialect or None) if isinstance(sql, str) else sql
    c = components(tree)
    if c.first <= 1 and c.others == 0 and c.nested == 0:
        return "easy"
    if c.nested == 0 and ((c.others <= 2 and c.first <= 1) or (c.first <= 2 and c.others < 2)):
        return "medium"
    if ((c.others > 2 and c.first <= 2 and c.nested == 0)
            or (2 < c.first <= 3 and c.others <= 2 and c.nested == 0)
            or (c.first <= 1 and c.others == 0 and c.nested <= 1)):
        return "hard"
    return "extra"
