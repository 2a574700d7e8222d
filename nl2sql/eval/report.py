"""Per-question outcomes and the printed summary whose last line is `EX <pct>% (<c>/<n>)`."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["EvalReport", "Outcome", "format_ex", "format_report", "percentile"]


@dataclass(frozen=True)
class Outcome:
    """What happened to one question. `latency_ms` is None when no predictor was called."""

    id: str
    db_id: str
    sql: str | None
    tier: str | None
    latency_ms: float | None
    error: str | None
    correct: bool
    lenient: bool | None = None
    hardness: str | None = None
    query_category: str | None = None
    lang: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The predictions-file record."""
        latency = None if self.latency_ms is None else round(self.latency_ms, 3)
        return {
            "id": self.id,
            "db_id": self.db_id,
            "sql": self.sql,
            "tier": self.tier,
            "latency_ms": latency,
            "error": self.error,
            "correct": self.correct,
        }


@dataclass(frozen=True)
class EvalReport:
    outcomes: tuple[Outcome, ...]
    elapsed_s: float = 0.0

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def correct(self) -> int:
        return sum(o.correct for o in self.outcomes)

    @property
    def accuracy(self) -> float:
        """EX in percent; a question without a prediction counts as wrong."""
        return 100.0 * self.correct / self.total if self.total else 0.0

    @property
    def lenient(self) -> tuple[int, int] | None:
        """(correct, scored) under defog's comparison, None when no record asked for it."""
        scored = [o.lenient for o in self.outcomes if o.lenient is not None]
        return (sum(scored), len(scored)) if scored else None

    @property
    def errors(self) -> int:
        return sum(o.error is not None for o in self.outcomes)

    def by(self, key: Callable[[Outcome], str | None]) -> dict[str, tuple[int, int]]:
        """(correct, total) per group, in first-seen order; outcomes keyed None are left out."""
        groups: dict[str, tuple[int, int]] = {}
        for o in self.outcomes:
            k = key(o)
            if k is None:
                continue
            c, n = groups.get(k, (0, 0))
            groups[k] = (c + o.correct, n + 1)
        return groups

    def latencies(self) -> list[float]:
        return [o.latency_ms for o in self.outcomes if o.latency_ms is not None]


def percentile(values: Iterable[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample.

    >>> percentile([5, 1, 3, 2, 4], 50), percentile([5, 1, 3, 2, 4], 95)
    (3, 5)
    """
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of an empty sample")
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def format_ex(correct: int, total: int) -> str:
    """`12.3% (48/391)`.

    >>> format_ex(48, 391)
    '12.3% (48/391)'
    """
    pct = 100.0 * correct / total if total else 0.0
    return f"{pct:.1f}% ({correct}/{total})"


_HARDNESS_ORDER = ("easy", "medium", "hard", "extra")


def _section(
    title: str, groups: dict[str, tuple[int, int]], order: Iterable[str] = ()
) -> list[str]:
    if not groups:
        return []
    names = [n for n in order if n in groups] + sorted(n for n in groups if n not in order)
    width = max(len(n) for n in names)
    return [f"EX by {title}:"] + [f"  {n:<{width}}  {format_ex(*groups[n])}" for n in names]


def format_report(report: EvalReport) -> list[str]:
    """The summary lines; the last one is exactly `EX <pct>% (<correct>/<total>)`."""
    lines = _section("database", report.by(lambda o: o.db_id))
    lines += _section("hardness", report.by(lambda o: o.hardness), _HARDNESS_ORDER)
    lines += _section("query_category", report.by(lambda o: o.query_category))
    lines += _section("lang", report.by(lambda o: o.lang))
    lines += _section("tier", report.by(lambda o: o.tier or "(no prediction)"))
    latencies = report.latencies()
    if latencies:
        lines.append(
            f"latency: p50 {percentile(latencies, 50):.1f} ms, p95 {percentile(latencies, 95):.1f} ms"
            f" over {len(latencies)} predictor calls"
        )
    lines.append(f"errors: {report.errors}; elapsed {report.elapsed_s:.1f} s")
    if report.lenient is not None:
        lines.append(f"lenient EX (defog comparison): {format_ex(*report.lenient)}")
    lines.append(f"EX {format_ex(report.correct, report.total)}")
    return lines
