"""The cost guard: ask the backend's planner what a guarded query would cost, before it runs.

`guard` is pure AST work; this step needs the database, so the pipeline calls it after
`guard` on the SQL `guard` returned (one read-only query, so the EXPLAIN cannot write either).
It runs plain EXPLAIN, never EXPLAIN ANALYZE, which would execute the query.

What each engine's plan offers (as data in ESTIMATORS):

    postgres  EXPLAIN (FORMAT JSON): the root's "Total Cost" and every node's "Plan Rows"
    duckdb    EXPLAIN (FORMAT JSON): each operator's "Estimated Cardinality"; a cross
              product carries none, so it counts as the product of its inputs
    others    no usable estimate: the check is skipped (the statement timeout still holds)

Rejections are GuardErrors with reason `too_costly`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from nl2sql.backends import Backend
from nl2sql.guard.context import reject

__all__ = ["ESTIMATORS", "Estimate", "check_cost", "estimate"]


@dataclass(frozen=True)
class Estimate:
    """The planner's view of one query."""

    rows: float  # the largest row count estimated for any plan step
    cost: float | None = None  # planner cost units, where the engine has them


def estimate(backend: Backend, sql: str, *, timeout_ms: int | None = None) -> Estimate | None:
    """The planner's estimate for `sql` (already guarded), or None if the engine gives none."""
    read = ESTIMATORS.get(backend.dialect)
    if read is None:
        return None
    result = backend.run(f"EXPLAIN (FORMAT JSON) {sql}", max_rows=10, timeout_ms=timeout_ms)
    return read(result.rows)


def check_cost(backend: Backend, sql: str, *, max_cost: float = 0.0, max_rows: float = 0.0,
               timeout_ms: int | None = None) -> Estimate | None:
    """Reject `sql` when its plan is over `max_cost` or `max_rows` (0 turns a limit off)."""
    if not max_cost and not max_rows:
        return None
    est = estimate(backend, sql, timeout_ms=timeout_ms)
    if est is None:
        return None
    if max_cost and est.cost is not None and est.cost > max_cost:
        raise reject("too_costly",
                     f"The database estimates this query at cost {est.cost:,.0f}, above the "
                     f"limit of {max_cost:,.0f}; filter or aggregate more, or join on keys.",
                     estimated_cost=est.cost, max_cost=max_cost)
    if max_rows and est.rows > max_rows:
        raise reject("too_costly",
                     f"The database estimates a step of this query at {est.rows:,.0f} rows, "
                     f"above the limit of {max_rows:,.0f}; add join conditions or filters.",
                     estimated_rows=est.rows, max_rows=max_rows)
    return est


def _document(rows: list[tuple[Any, ...]], column: int) -> Any:
    value = rows[0][column]
    return json.loads(value) if isinstance(value, str | bytes) else value


def _postgres(rows: list[tuple[Any, ...]]) -> Estimate:
    root = _document(rows, 0)[0]["Plan"]
    return Estimate(max(float(n.get("Plan Rows", 0)) for n in _walk(root, "Plans")),
                    float(root["Total Cost"]))


def _duckdb(rows: list[tuple[Any, ...]]) -> Estimate:
    return Estimate(max((_duckdb_node(root)[1] for root in _document(rows, 1)), default=0.0))


def _duckdb_node(node: dict[str, Any]) -> tuple[float, float]:
    """(this operator's estimated rows, the largest estimate in its subtree)."""
    inputs = [_duckdb_node(c) for c in node.get("children", [])]
    stated = _number(node.get("extra_info", {}).get("Estimated Cardinality"))
    if stated is not None:
        own = stated
    elif node.get("name") == "CROSS_PRODUCT":
        own = math.prod(rows for rows, _ in inputs)
    else:
        own = max((rows for rows, _ in inputs), default=0.0)
    return own, max([own, *(peak for _, peak in inputs)])


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _walk(node: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get(key, []):
        yield from _walk(child, key)


# sqlglot dialect -> reader of that engine's EXPLAIN (FORMAT JSON) rows.
ESTIMATORS: dict[str, Callable[[list[tuple[Any, ...]]], Estimate]] = {
    "postgres": _postgres,
    "duckdb": _duckdb,
}
