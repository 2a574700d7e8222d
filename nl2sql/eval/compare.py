"""Result comparison: Spider-style denotation equality and defog's lenient variant.

Rows are compared as multisets (a list when order matters) under any permutation of the columns;
column names are ignored. Numbers are compared with a relative tolerance, so a value is first
normalised (1.0 → 1, Decimal → float, bool → int) and rows are sorted numbers-last so that
near-equal floats cannot reorder rows whose other cells differ.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

__all__ = [
    "LENIENT_REL_TOL",
    "MAX_PERMUTATIONS",
    "REL_TOL",
    "lenient_match",
    "normalize_rows",
    "results_match",
]

Row = tuple[Any, ...]

REL_TOL = 1e-6
LENIENT_REL_TOL = 1e-5
# Sums of floats that should be 0 come out as 1e-17; a purely relative test would reject them.
ABS_TOL = 1e-9
# Column permutations tried per comparison; only columns with equal value multisets are
# interchangeable, so this bounds pathological results such as many all-NULL columns.
MAX_PERMUTATIONS = 2_000

_EXACT_INT_LIMIT = 2**53


def normalize_value(v: Any) -> Any:
    """One representation per value: integral floats become ints, Decimal a float, lists tuples.

    >>> normalize_value(2.0), normalize_value(Decimal("2.50")), normalize_value(True)
    (2, 2.5, 1)
    """
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, Decimal):
        v = float(v)
    if isinstance(v, float):
        return int(v) if v.is_integer() and abs(v) < _EXACT_INT_LIMIT else v
    if isinstance(v, bytearray | memoryview):
        return bytes(v)
    if isinstance(v, list | tuple):
        return tuple(normalize_value(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((str(k), repr(normalize_value(x))) for k, x in v.items()))
    return v


def normalize_rows(rows: Sequence[Sequence[Any]]) -> list[Row]:
    """Normalise every cell of a result."""
    return [tuple(normalize_value(v) for v in row) for row in rows]


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not (isinstance(v, float) and math.isnan(v))


def _cell_key(v: Any) -> tuple[Any, ...]:
    """A total order over mixed cells: NULL, numbers, NaN, text, bytes, anything else."""
    if v is None:
        return (0,)
    if _is_number(v):
        return (1, v)
    if isinstance(v, float):
        return (2,)
    if isinstance(v, str):
        return (3, v)
    if isinstance(v, bytes):
        return (4, v)
    return (5, type(v).__name__, str(v))


def _row_key(row: Row) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    # Numbers last: rows equal up to float noise stay adjacent after sorting.
    return (
        tuple((1,) if _is_number(v) else _cell_key(v) for v in row),
        tuple(v if _is_number(v) else 0 for v in row),
    )


def cells_equal(a: Any, b: Any, rel_tol: float = REL_TOL) -> bool:
    """Equal values; numbers within `rel_tol`; NaN equals NaN."""
    if a == b:
        return True
    if _is_number(a) and _is_number(b):
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=ABS_TOL)
    return isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)


def _seqs_equal(a: Sequence[Any], b: Sequence[Any], rel_tol: float) -> bool:
    return a == b or (
        len(a) == len(b) and all(cells_equal(x, y, rel_tol) for x, y in zip(a, b, strict=True))
    )


def _rows_equal(a: Sequence[Row], b: Sequence[Row], rel_tol: float) -> bool:
    return a == b or (
        len(a) == len(b) and all(_seqs_equal(x, y, rel_tol) for x, y in zip(a, b, strict=True))
    )


def _sorted_columns(rows: Sequence[Row]) -> list[list[Any]]:
    return [sorted((r[i] for r in rows), key=_cell_key) for i in range(len(rows[0]))]


def _identity_first(i: int, js: list[int]) -> list[int]:
    return [i, *(j for j in js if j != i)] if i in js else js


def _permutations(
    gold_cols: list[list[Any]], pred_cols: list[list[Any]], rel_tol: float
) -> Iterator[tuple[int, ...]]:
    """Column maps gold i → pred perm[i] where each pair holds the same multiset of values.

    Yields the identity first when it is a candidate; stops after MAX_PERMUTATIONS.
    """
    options = [
        _identity_first(i, [j for j, p in enumerate(pred_cols) if _seqs_equal(g, p, rel_tol)])
        for i, g in enumerate(gold_cols)
    ]
    if not all(options):
        return
    budget = [MAX_PERMUTATIONS]
    chosen: list[int] = []
    used: set[int] = set()

    def walk(i: int) -> Iterator[tuple[int, ...]]:
        if i == len(options):
            budget[0] -= 1
            yield tuple(chosen)
            return
        for j in options[i]:
            if j in used or budget[0] <= 0:
                continue
            chosen.append(j)
            used.add(j)
            yield from walk(i + 1)
            chosen.pop()
            used.discard(j)

    yield from walk(0)


def results_match(
    gold: Sequence[Row], pred: Sequence[Row], *, ordered: bool, rel_tol: float = REL_TOL
) -> bool:
    """Spider execution equality of two normalised results.

    >>> results_match([(1, "a"), (2, "b")], [("b", 2.0), ("a", 1)], ordered=False)
    True
    >>> results_match([(1, "a"), (2, "b")], [("b", 2), ("a", 1)], ordered=True)
    False
    """
    if not gold and not pred:
        return True
    if len(gold) != len(pred) or len(gold[0]) != len(pred[0]):
        return False
    gold_sorted = gold if ordered else sorted(gold, key=_row_key)
    for perm in _permutations(_sorted_columns(gold), _sorted_columns(pred), rel_tol):
        moved = [tuple(r[j] for j in perm) for r in pred]
        if not ordered:
            moved.sort(key=_row_key)
        if _rows_equal(gold_sorted, moved, rel_tol):
            return True
    return False


def _dedupe(rows: Sequence[Row]) -> list[Row]:
    return list(dict.fromkeys(rows))


def _greedy_column_map(
    gold: Sequence[Row], pred: Sequence[Row], rel_tol: float
) -> list[int] | None:
    """defog's rule: each gold column, in turn, takes the first unused pred column equal to it."""
    pred_cols = _sorted_columns(pred)
    free = list(range(len(pred_cols)))
    picked = []
    for g in _sorted_columns(gold):
        j = next((j for j in free if _seqs_equal(g, pred_cols[j], rel_tol)), None)
        if j is None:
            return None
        picked.append(j)
        free.remove(j)
    return picked


def lenient_match(
    gold: Sequence[Row], pred: Sequence[Row], *, ordered: bool, rel_tol: float = LENIENT_REL_TOL
) -> bool:
    """defog's comparison: equal after dropping duplicate rows (sorted unless `ordered`), or
    every gold column matches a distinct predicted column (extra predicted columns allowed).

    >>> lenient_match([(1, "a")], [(7, "a", 1), (7, "a", 1)], ordered=False)
    False
    >>> lenient_match([(1, "a"), (2, "b")], [(7, "b", 2), (8, "a", 1)], ordered=False)
    True
    """
    if not gold or not pred:
        return not gold and not pred
    if results_match(_dedupe(gold), _dedupe(pred), ordered=ordered, rel_tol=rel_tol):
        return True
    if len(gold) != len(pred):
        return False
    columns = _greedy_column_map(gold, pred, rel_tol)
    if columns is None:
        return False
    g = _dedupe(gold)
    p = _dedupe([tuple(r[j] for j in columns) for r in pred])
    if not ordered:
        g, p = sorted(g, key=_row_key), sorted(p, key=_row_key)
    return _rows_equal(g, p, rel_tol)
