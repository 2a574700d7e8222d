"""The model tier: a question, its schema slice and the gateway's guard and backend in; one
checked SQL query, a confidence and what happened on the way out.

    sql, confidence, details = model_propose(question, gateway)

Each round asks the model, extracts the SQL, guards it and runs it; a guard or execution
error goes back to the model as the next turn (up to `repair_rounds` times). With `samples`
above 1 the round draws several queries and the result most of them return wins
(self-consistency). `naive_prompt` is the baseline the tier is measured against: the whole
schema as CREATE TABLE statements and the question, temperature 0, nothing checked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from nl2sql.backends.base import Backend
from nl2sql.catalog.model import Catalog
from nl2sql.errors import (
    BackendBusy,
    DeadlineExceeded,
    ExecutionError,
    GenerationError,
    GuardError,
    LinkError,
)
from nl2sql.eval.compare import normalize_rows
from nl2sql.guard import Checked, guard
from nl2sql.link.schema_slice import SchemaSlice
from nl2sql.llm.autofix import fix_unknown_column
from nl2sql.llm.client import ClientOptions, Completion, ModelClient, shared_client
from nl2sql.llm.extract import extract_sql
from nl2sql.llm.grammar import build_grammar, grammar_request
from nl2sql.llm.prompts import PromptTask, get_format
from nl2sql.llm.schema_text import FULL, PLAIN, render_schema, slice_tables

__all__ = ["Attempt", "GatewayLike", "ModelDetails", "ModelOptions", "model_propose",
           "naive_prompt"]

OnText = Callable[[int, str], None]
Rows = list[tuple[Any, ...]]

# Confidence of a query that guarded and ran in the first round, by its share of the votes;
# each repair round and an empty result lower it (a wrong query often returns nothing).
_REPAIR_DISCOUNT = 0.8
_EMPTY_DISCOUNT = 0.5
_SAMPLING_TEMPERATURE = 0.7
_MAX_FIXES = 3


class GatewayLike(Protocol):
    """What the model tier needs of the gateway (nl2sql.pipeline.Gateway has it)."""

    catalog: Catalog
    backend: Backend
    settings: Any  # nl2sql.settings.Settings

    def link(self, question: str) -> SchemaSlice: ...


@dataclass(frozen=True)
class ModelOptions:
    prompt_format: str = "chat"
    repair_rounds: int = 2
    samples: int = 1
    grammar: str = "off"        # "llama.cpp", "vllm" or "off"
    max_tokens: int = 256
    stream: bool = True         # streaming gives time to first token
    execute: bool = True        # run each guarded query: execution errors, votes

    @classmethod
    def from_settings(cls, settings: Any) -> ModelOptions:
        return cls(repair_rounds=settings.model_repair_rounds, samples=settings.model_samples,
                   grammar=settings.model_grammar, max_tokens=settings.model_max_tokens)


@dataclass(frozen=True)
class Attempt:
    """One query the model wrote and what the gateway made of it."""

    round: int
    sql: str | None          # None when no SQL could be extracted
    problem: str | None      # None when it guarded (and ran)
    reason: str | None       # guard reason, "execution_error" or "no_sql"
    fixes: tuple[str, ...] = ()  # columns rewritten without the model, "T2.x -> T1.x"


@dataclass(frozen=True)
class ModelDetails:
    prompt_format: str
    grammar: bool
    rounds: int                          # model calls made
    attempts: tuple[Attempt, ...]
    votes: int                           # samples whose result the chosen query shares
    samples: int
    rows: int | None                     # rows the chosen query returned (None: not run)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # prompt, ttft (first round's first token), generate (all model time), guard, execute


def model_propose(question: str, gateway: GatewayLike, *, client: ModelClient | None = None,
                  options: ModelOptions | None = None, linked: SchemaSlice | None = None,
                  on_text: OnText | None = None) -> tuple[str, float, ModelDetails]:
    """A checked query for `question` from the served model, its confidence (0..1) and details.

    The SQL is in the catalog's dialect (as tier 1's), already guarded against the catalog.
    Raises GenerationError when no round yields a valid query, ModelUnavailable when the
    model server does not answer; BackendBusy and DeadlineExceeded pass through.
    """
    settings = gateway.settings
    client = client or shared_client(ClientOptions.from_settings(settings))
    options = options or ModelOptions.from_settings(settings)
    catalog, timings = gateway.catalog, dict.fromkeys(
        ("prompt", "ttft", "generate", "guard", "execute"), 0.0)
    fmt = get_format(options.prompt_format)
    with _timed(timings, "prompt"):
        linked = linked or _link(gateway, question)
        tables = slice_tables(linked, catalog) if linked is not None else catalog.tables
        # The question as asked: linking lower-cases it, and stored values keep their case.
        task = PromptTask(question, render_schema(catalog, tables, FULL), catalog.dialect,
                          _hints(linked))
        messages = fmt.messages(task)
        extra = (grammar_request(options.grammar, build_grammar(tables))
                 if options.grammar != "off" else {})
    attempts: list[Attempt] = []
    for round_ in range(options.repair_rounds + 1):
        reply = _ask(client, messages, options, extra, on_text, timings, first=round_ == 0)
        checked = [_check(text, gateway, options, round_, timings) for text in reply.texts]
        attempts += [a for a, _ in checked]
        winners = [(a, rows) for a, rows in checked if a.problem is None]
        if winners:
            sql, votes, rows = _vote(winners)
            confidence = votes / len(reply.texts) * _REPAIR_DISCOUNT ** round_
            if rows == 0:
                confidence *= _EMPTY_DISCOUNT
            return sql, round(confidence, 3), ModelDetails(
                fmt.name, bool(extra), round_ + 1, tuple(attempts), votes, len(reply.texts),
                rows, _rounded(timings))
        failed = checked[0][0]
        messages = [*messages, {"role": "assistant", "content": reply.texts[0]},
                    fmt.feedback(failed.sql or "", failed.problem or "")]
    last = attempts[-1]
    raise GenerationError(f"the model wrote no valid query in {options.repair_rounds + 1} "
                          f"rounds; last: {last.problem}", reason=last.reason,
                          sql=last.sql)


def naive_prompt(question: str, catalog: Catalog, client: ModelClient, *,
                 max_tokens: int = 256) -> tuple[str, ModelDetails]:
    """The baseline: the whole schema as CREATE TABLE statements plus the question,
    temperature 0, one call, the SQL as extracted (not guarded, not repaired)."""
    timings = dict.fromkeys(("prompt", "ttft", "generate"), 0.0)
    fmt = get_format("naive")
    with _timed(timings, "prompt"):
        messages = fmt.messages(PromptTask(question, render_schema(catalog, style=PLAIN),
                                           catalog.dialect))
    options = ModelOptions(prompt_format="naive", max_tokens=max_tokens)
    reply = _ask(client, messages, options, {}, None, timings, first=True)
    sql = extract_sql(reply.texts[0], catalog.dialect)
    return sql, ModelDetails(fmt.name, False, 1, (Attempt(0, sql, None, None),), 1, 1, None,
                             _rounded(timings))


def _link(gateway: GatewayLike, question: str) -> SchemaSlice | None:
    """The question's slice; None (show every table) when nothing links in a small catalog."""
    try:
        return gateway.link(question)
    except LinkError:
        if len(gateway.catalog.tables) > 8:
            raise
        return None


def _hints(linked: SchemaSlice | None) -> tuple[str, ...]:
    """Linked values and dates: facts a model cannot see in the schema."""
    if linked is None:
        return ()
    values = [f"'{v.value}' is a value of {v.table}.{v.column}" for v in linked.values]
    dates = [f"the question's time is {d.low}" + ("" if d.is_day else f" to {d.high}")
             for d in linked.dates]
    return tuple(dict.fromkeys(values + dates))


def _ask(client: ModelClient, messages: list[dict[str, str]], options: ModelOptions,
         extra: dict[str, Any], on_text: OnText | None, timings: dict[str, float],
         first: bool) -> Completion:
    reply = client.chat_sync(
        messages, n=options.samples, max_tokens=options.max_tokens, stream=options.stream,
        temperature=0.0 if options.samples == 1 else _SAMPLING_TEMPERATURE, extra=extra,
        on_text=on_text)
    if first:
        timings["ttft"] = reply.ttft_ms
    timings["generate"] += reply.total_ms
    return reply


def _check(text: str, gateway: GatewayLike, options: ModelOptions, round_: int,
           timings: dict[str, float]) -> tuple[Attempt, Rows | None]:
    """Extract, guard (fixing misplaced columns) and optionally run one reply; the attempt
    and its rows."""
    catalog, backend, settings = gateway.catalog, gateway.backend, gateway.settings
    try:
        sql = extract_sql(text, catalog.dialect)
    except GenerationError as e:
        return Attempt(round_, None, e.message, "no_sql"), None
    fixes: list[str] = []
    try:
        with _timed(timings, "guard"):
            checked = _guard_fixing(sql, gateway, fixes)
        sql = checked.source
        if not options.execute:
            return Attempt(round_, sql, None, None, tuple(fixes)), None
        with _timed(timings, "execute"):
            result = backend.run(checked.checked.sql, max_rows=settings.max_rows,
                                 timeout_ms=settings.statement_timeout_ms)
    except _Rejected as e:
        return Attempt(round_, e.sql, _guard_problem(e.error), e.error.details.get("reason"),
                       tuple(fixes)), None
    except (BackendBusy, DeadlineExceeded):
        raise
    except ExecutionError as e:
        return Attempt(round_, sql, f"the database said: {e.message}", "execution_error",
                       tuple(fixes)), None
    return Attempt(round_, sql, None, None, tuple(fixes)), result.rows


@dataclass(frozen=True)
class _Guarded:
    source: str      # the query as finally accepted, in the catalog's dialect
    checked: Checked


class _Rejected(Exception):
    def __init__(self, sql: str, error: GuardError) -> None:
        super().__init__(error.message)
        self.sql, self.error = sql, error


def _guard_fixing(sql: str, gateway: GatewayLike, fixes: list[str]) -> _Guarded:
    """Guard `sql`, rewriting a misplaced or misspelled column the guard can name exactly
    (nl2sql.llm.autofix) up to _MAX_FIXES times; _Rejected with the last error otherwise."""
    catalog, backend = gateway.catalog, gateway.backend
    while True:
        try:
            return _Guarded(sql, guard(sql, catalog, dialect=backend.dialect,
                                       read=catalog.dialect,
                                       max_rows=gateway.settings.max_rows))
        except GuardError as e:
            fixed = None if len(fixes) == _MAX_FIXES else fix_unknown_column(
                sql, e, catalog.dialect)
            if fixed is None:
                raise _Rejected(sql, e) from None
            sql, fix = fixed
            fixes.append(fix)


def _vote(winners: list[tuple[Attempt, Rows | None]]) -> tuple[str, int, int | None]:
    """The query whose result the most samples share (the earliest on a tie); its votes
    and row count. Unexecuted queries each stand alone."""
    groups: dict[str, list[int]] = {}
    for i, (_, rows) in enumerate(winners):
        key = f"sql:{i}" if rows is None else repr(sorted(map(repr, normalize_rows(rows))))
        groups.setdefault(key, []).append(i)
    best = max(groups.values(), key=lambda members: (len(members), -members[0]))
    attempt, rows = winners[best[0]]
    assert attempt.sql is not None
    return attempt.sql, len(best), None if rows is None else len(rows)


def _guard_problem(e: GuardError) -> str:
    missing = [str(s) for s in e.details.get("suggestions") or () if str(s) not in e.message]
    return e.message + (f" Did you mean: {', '.join(missing)}?" if missing else "")


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    t = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] += (time.perf_counter() - t) * 1000


def _rounded(timings: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 1) for k, v in timings.items()}
