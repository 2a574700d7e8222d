"""Benchmark harness: Spider-style execution accuracy (EX) over JSONL question sets.

    report = evaluate("spider/questions.jsonl", "spider/database", make_predictor=factory)

prints EX by database, hardness, query_category and tier, latency percentiles, defog's lenient
number where it applies, and last the line `EX <pct>% (<correct>/<total>)`.
"""

from __future__ import annotations

from nl2sql.eval.compare import lenient_match, results_match
from nl2sql.eval.dataset import DatabaseRef, EvalQuestion, load_questions, locate_database
from nl2sql.eval.execute import connect_scoring
from nl2sql.eval.harness import (
    GatewayPredictor,
    Prediction,
    Predictor,
    PredictorFactory,
    evaluate,
    gateway_factory,
    run_eval,
    select_questions,
)
from nl2sql.eval.report import EvalReport, Outcome, format_report
from nl2sql.eval.scoring import Score, score_prediction
from nl2sql.eval.sqltext import normalize_sql

__all__ = [
    "DatabaseRef",
    "EvalQuestion",
    "EvalReport",
    "GatewayPredictor",
    "Outcome",
    "Prediction",
    "Predictor",
    "PredictorFactory",
    "Score",
    "connect_scoring",
    "evaluate",
    "format_report",
    "gateway_factory",
    "lenient_match",
    "load_questions",
    "locate_database",
    "normalize_sql",
    "results_match",
    "run_eval",
    "score_prediction",
    "select_questions",
]
