"""Keep a synthetic query only when it runs and says something: rows come back, not all
NULL, no zero count or empty aggregate, a listing short enough to read, a share strictly
between 0 and 100. Duplicates are found by a normalized syntax tree."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlglot import exp

from nl2sql.backends.base import Backend, Result
from nl2sql.errors import Nl2SqlError
from nl2sql.synth.intent import Intent

__all__ = ["LISTING_ROWS", "execute", "sql_key", "telling"]

LISTING_ROWS = 100  # more rows than this is a dump, not an answer


def execute(backend: Backend, sql: str, timeout_ms: int) -> Result | None:
    """The query's first rows, or None when it fails or runs out of time."""
    try:
        return backend.run(sql, max_rows=LISTING_ROWS, timeout_ms=timeout_ms)
    except Nl2SqlError:
        return None


def telling(intent: Intent, result: Result) -> bool:
    """Whether the result answers the intent with something worth asking for."""
    rows = result.rows
    if not rows or result.truncated or all(v is None for row in rows for v in row):
        return False
    aggregates = [i for i, m in enumerate(intent.select) if m.agg is not None]
    if intent.group is None and aggregates:
        value = rows[0][aggregates[0]]
        if value is None or value == 0:
            return False
        if intent.select[aggregates[0]].agg == "pct" and not 0 < float(value) < 100:
            return False
    if intent.group is not None and intent.having is None and intent.limit is None:
        return len(rows) >= 2
    return True


def _spelling(node: exp.Expr) -> exp.Expr:
    """Identifiers in lower case, unquoted; IN lists in a fixed order."""
    if isinstance(node, exp.In) and node.expressions:
        node.set("expressions", sorted(node.expressions, key=lambda e: e.sql()))
    if isinstance(node, exp.Identifier):
        node.set("this", node.this.lower())
        node.set("quoted", False)
    return node


def _conjunctions(node: exp.Expr) -> exp.Expr:
    """Operands of AND / OR in a fixed order."""
    if isinstance(node, exp.And | exp.Or):
        parts = sorted(p.sql() for p in node.flatten())
        return exp.Anonymous(this=type(node).__name__,
                             expressions=[exp.Var(this=p) for p in parts])
    return node


def sql_key(tree: exp.Expr) -> str:
    """A digest equal for queries that differ only in condition order, case or quoting."""
    canonical: Any = tree.copy().transform(_spelling).transform(_conjunctions)
    return hashlib.blake2b(canonical.sql().encode(), digest_size=10).hexdigest()
