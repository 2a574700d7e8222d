"""Score one prediction: run it and every gold alternative on the same database, compare."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nl2sql.errors import ExecutionError
from nl2sql.eval.compare import lenient_match, normalize_rows, results_match
from nl2sql.eval.execute import ScoringDatabase
from nl2sql.eval.sqltext import first_statement, has_top_level_order_by, normalize_sql

__all__ = ["DEFAULT_TIMEOUT_S", "Score", "defog_keeps_order", "score_prediction"]

DEFAULT_TIMEOUT_S = 30.0
_ORDER_WORDS = re.compile(r"\b(order|sort|arrange)\b", re.IGNORECASE)

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Score:
    """Spider-style verdict; `lenient` is defog's verdict, None when not asked for."""

    correct: bool
    lenient: bool | None = None
    error: str | None = None


def defog_keeps_order(query_category: str | None, question: str) -> bool:
    """defog compares rows in order for the order_by category or when the question asks.

    >>> defog_keeps_order("group_by", "List them, sort by year")
    True
    """
    return query_category == "order_by" or bool(_ORDER_WORDS.search(question))


class _Runner:
    """Executes each distinct SQL text at most once for one question (never across questions)."""

    def __init__(self, db: ScoringDatabase, timeout_s: float) -> None:
        self._db, self._timeout_s = db, timeout_s
        self._seen: dict[str, list[Row] | ExecutionError] = {}

    def rows(self, sql: str) -> list[Row]:
        if sql not in self._seen:
            try:
                self._seen[sql] = normalize_rows(self._db.fetch(sql, self._timeout_s))
            except ExecutionError as e:
                self._seen[sql] = e
        got = self._seen[sql]
        if isinstance(got, ExecutionError):
            raise got
        return got


def _any_gold(
    run: _Runner, golds: Sequence[str], test: Callable[[str, list[Row]], bool]
) -> tuple[bool, list[str]]:
    """Whether any gold's rows pass `test`; also the gold failures met on the way."""
    failures = []
    for gold in golds:
        try:
            rows = run.rows(gold)
        except ExecutionError as e:
            failures.append(e.message)
            continue
        if test(gold, rows):
            return True, failures
    return False, failures


def _strict(run: _Runner, golds: Sequence[str], sql: str, dialect: str) -> Score:
    try:
        pred = run.rows(normalize_sql(sql))
    except ExecutionError as e:
        return Score(False, error=f"prediction failed: {e.message}")
    ok, failures = _any_gold(
        run,
        [normalize_sql(g) for g in golds],
        lambda g, rows: results_match(rows, pred, ordered=has_top_level_order_by(g, dialect)),
    )
    if not ok and len(failures) == len(golds):
        return Score(False, error=f"gold query failed: {failures[0]}")
    return Score(ok)


def _lenient(run: _Runner, golds: Sequence[str], sql: str, ordered: bool) -> bool:
    # defog runs queries as written: no DISTINCT removal, so COUNT(DISTINCT x) keeps its meaning.
    try:
        pred = run.rows(first_statement(sql))
    except ExecutionError:
        return False
    ok, _ = _any_gold(
        run,
        [first_statement(g) for g in golds],
        lambda _g, rows: lenient_match(rows, pred, ordered=ordered),
    )
    return ok


def score_prediction(
    db: ScoringDatabase,
    golds: Sequence[str],
    sql: str,
    *,
    lenient_order: bool | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Score:
    """Execute `sql` and the gold queries on `db` and compare, Spider-style.

    Args:
        golds: gold alternatives; matching any one is correct.
        lenient_order: when not None, also compute defog's lenient verdict, keeping row order
            if True.
    """
    if not golds:
        raise ValueError("score_prediction needs at least one gold query")
    if not first_statement(sql):
        return Score(False, False if lenient_order is not None else None, "prediction is empty")
    run = _Runner(db, timeout_s)
    strict = _strict(run, golds, sql, db.dialect)
    if lenient_order is None:
        return strict
    return Score(strict.correct, _lenient(run, golds, sql, lenient_order), strict.error)
