"""Run a question set through a predictor, database by database, and score every answer.

The predictor sees only what a user would type; gold queries stay with the scorer. One predictor
is opened per database (so each database is introspected once) and closed at the end.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from nl2sql.errors import ConfigError, InputError, Nl2SqlError
from nl2sql.eval.dataset import DatabaseRef, EvalQuestion, load_questions, locate_database
from nl2sql.eval.execute import DEFAULT_MAX_ROWS, ScoringDatabase, connect_scoring
from nl2sql.eval.report import EvalReport, Outcome, format_report
from nl2sql.eval.scoring import DEFAULT_TIMEOUT_S, defog_keeps_order, score_prediction

if TYPE_CHECKING:
    from nl2sql.settings import Settings

__all__ = [
    "GatewayPredictor",
    "Prediction",
    "Predictor",
    "PredictorFactory",
    "evaluate",
    "gateway_factory",
    "run_eval",
    "select_questions",
]


@dataclass(frozen=True)
class Prediction:
    sql: str
    tier: str


class Predictor(Protocol):
    """Answers questions over one database; raises Nl2SqlError when it cannot."""

    def ask(self, question: str) -> Prediction: ...

    def close(self) -> None: ...


PredictorFactory = Callable[[str], Predictor]


class GatewayPredictor:
    """Adapts the gateway (anything whose `.ask(q)` returns `.sql` and `.tier`) to Predictor."""

    def __init__(self, gateway: Any) -> None:
        self._gateway = gateway

    def ask(self, question: str) -> Prediction:
        answer = self._gateway.ask(question)
        return Prediction(sql=str(answer.sql), tier=str(answer.tier))

    def close(self) -> None:
        close = getattr(self._gateway, "close", None)
        if close is not None:
            close()


def gateway_factory(settings: Settings | None = None, *, train: bool = False) -> PredictorFactory:
    """The CLI's default: the full pipeline, `Gateway.open(db_url, settings)`, per database.

    With `train`, a database without a plan model gets one first, from its own synthetic
    pairs only (`nl2sql train`); models are kept by schema fingerprint, so reruns reuse them.
    """

    def make(db_url: str) -> Predictor:
        try:
            from nl2sql.pipeline import Gateway
        except ImportError as e:
            raise ConfigError(f"the gateway pipeline is not available: {e}") from e
        from nl2sql.generate.training import ensure_model
        from nl2sql.settings import load_settings

        chosen = settings or load_settings()
        gateway = Gateway.open(db_url, chosen)
        if train and gateway.model is None:
            ensure_model(gateway, pairs=chosen.train_pairs)
        return GatewayPredictor(gateway)

    return make


def select_questions(
    questions: Sequence[EvalQuestion],
    db_ids: Collection[str] | None = None,
    limit: int | None = None,
) -> list[EvalQuestion]:
    """Keep questions on `db_ids` (all when None), then the first `limit` of them."""
    if limit is not None and limit < 1:
        raise InputError(f"limit must be at least 1, got {limit}")
    chosen = [q for q in questions if not db_ids or q.db_id in db_ids]
    if db_ids:
        unknown = set(db_ids) - {q.db_id for q in questions}
        if unknown:
            raise InputError(f"no questions for db_id {', '.join(sorted(unknown))}")
    return chosen[:limit] if limit is not None else chosen


def _by_database(questions: Sequence[EvalQuestion]) -> dict[str, list[EvalQuestion]]:
    groups: dict[str, list[EvalQuestion]] = {}
    for q in questions:
        groups.setdefault(q.db_id, []).append(q)
    return groups


def _failed(q: EvalQuestion, error: str, latency_ms: float | None = None) -> Outcome:
    lenient = False if q.query_category else None
    return Outcome(
        q.id, q.db_id, None, None, latency_ms, error, False, lenient, q.hardness,
        q.query_category, q.lang,
    )


def _error_text(e: Nl2SqlError) -> str:
    return f"{e.type}: {e.message}"


def _answer(
    q: EvalQuestion,
    ref: DatabaseRef,
    predictor: Predictor,
    db: ScoringDatabase,
    timeout_s: float,
) -> Outcome:
    start = time.perf_counter()
    try:
        pred = predictor.ask(q.prompt(ref.dialect))
    except Nl2SqlError as e:
        return _failed(q, _error_text(e), (time.perf_counter() - start) * 1000)
    latency = (time.perf_counter() - start) * 1000
    lenient_order = (
        defog_keeps_order(q.query_category, q.text(ref.dialect)) if q.query_category else None
    )
    score = score_prediction(
        db, q.golds(ref.dialect), pred.sql, lenient_order=lenient_order, timeout_s=timeout_s
    )
    return Outcome(
        q.id,
        q.db_id,
        pred.sql,
        pred.tier,
        latency,
        score.error,
        score.correct,
        score.lenient,
        q.hardness,
        q.query_category,
        q.lang,
    )


def _run_database(
    db_id: str,
    questions: list[EvalQuestion],
    locate: Callable[[str], DatabaseRef],
    make_predictor: PredictorFactory,
    opts: dict[str, Any],
) -> Iterator[Outcome]:
    try:
        ref = locate(db_id)
        db = connect_scoring(ref.url, opts["max_rows"])
    except Nl2SqlError as e:
        yield from (_failed(q, _error_text(e)) for q in questions)
        return
    try:
        try:
            predictor = make_predictor(ref.url)
        except Nl2SqlError as e:
            yield from (_failed(q, _error_text(e)) for q in questions)
            return
        try:
            for q in questions:
                yield _answer(q, ref, predictor, db, opts["timeout_s"])
        finally:
            predictor.close()
    finally:
        db.close()


@contextmanager
def _predictions_file(path: str | Path | None) -> Iterator[IO[str] | None]:
    if path is None:
        yield None
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        f = open(path, "w", encoding="utf-8")  # noqa: SIM115 (closed below, kept open for the run)
    except OSError as e:
        raise ConfigError(f"cannot write predictions to {path}: {e}") from e
    with f:
        yield f


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[str], None]]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(
        *columns, console=Console(stderr=True), disable=not enabled, transient=True
    ) as bar:
        task = bar.add_task("eval", total=total)
        yield lambda db_id: bar.update(task, advance=1, description=db_id)


def run_eval(
    questions: str | Path | Sequence[EvalQuestion],
    databases: str | Path | None = None,
    *,
    make_predictor: PredictorFactory | None = None,
    predictions: str | Path | None = None,
    postgres_url_template: str | None = None,
    db_ids: Collection[str] | None = None,
    limit: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_rows: int = DEFAULT_MAX_ROWS,
    progress: bool = True,
) -> EvalReport:
    """Answer every question with a predictor and score it by execution accuracy.

    Args:
        questions: a JSONL file or already loaded questions.
        databases: folder holding DIR/<db_id>/<db_id>.{sqlite,db,duckdb} or DIR/<db_id>.{...}.
        make_predictor: db URL → Predictor; defaults to the gateway pipeline.
        predictions: write one JSON line per question here, flushed as it goes.
        postgres_url_template: e.g. `postgresql://postgres@127.0.0.1/{db_id}`; when given, every
            db_id is scored on PostgreSQL instead of a file.
        db_ids, limit: run only these databases / the first N selected questions.
        timeout_s: per-query limit for gold and predicted SQL at scoring time.
    """
    if timeout_s <= 0:
        raise InputError(f"timeout_s must be positive, got {timeout_s}")
    if postgres_url_template is None and (databases is None or not Path(databases).is_dir()):
        raise ConfigError(f"databases folder {databases} does not exist or is not a folder")
    loaded = load_questions(questions) if isinstance(questions, str | Path) else list(questions)
    chosen = select_questions(loaded, db_ids, limit)
    make_predictor = make_predictor or gateway_factory()
    opts = {"timeout_s": timeout_s, "max_rows": max_rows}

    def locate(db_id: str) -> DatabaseRef:
        return locate_database(db_id, databases, postgres_url_template)

    outcomes: list[Outcome] = []
    start = time.perf_counter()
    with _predictions_file(predictions) as out, _progress(len(chosen), progress) as advance:
        for db_id, group in _by_database(chosen).items():
            for outcome in _run_database(db_id, group, locate, make_predictor, opts):
                outcomes.append(outcome)
                if out is not None:
                    out.write(json.dumps(outcome.to_json(), ensure_ascii=False) + "\n")
                    out.flush()
                advance(db_id)
    return EvalReport(tuple(outcomes), time.perf_counter() - start)


def evaluate(
    questions: str | Path | Sequence[EvalQuestion],
    databases: str | Path | None = None,
    *,
    file: IO[str] | None = None,
    **options: Any,
) -> EvalReport:
    """run_eval, then print the summary to `file` (stdout); the last line is `EX x% (c/n)`."""
    report = run_eval(questions, databases, **options)
    print("\n".join(format_report(report)), file=file or sys.stdout)
    return report
