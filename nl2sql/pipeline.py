"""One question through the stages: link -> generate -> guard -> execute -> answer."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from nl2sql.answer import Answer, ask_back, assume, competing_fields, compose
from nl2sql.backends import Backend, Result, open_backend
from nl2sql.backends.htap import choose
from nl2sql.catalog.model import Catalog
from nl2sql.errors import (
    ClarificationNeeded,
    DeadlineExceeded,
    GenerationError,
    InputError,
    LinkError,
)
from nl2sql.generate import Candidate, propose
from nl2sql.generate.learned import PlanModel
from nl2sql.generate.training import load_model
from nl2sql.guard import Access, Checked, guard
from nl2sql.guard.cost import check_cost
from nl2sql.link import SchemaIndex, link
from nl2sql.link.retrieve import TableRetriever
from nl2sql.link.schema_slice import SchemaSlice
from nl2sql.link.spoken import normalize_spoken
from nl2sql.link.timeexpr import TradingCalendar
from nl2sql.link.values import collect_entity_values, open_days
from nl2sql.settings import Settings, load_settings
from nl2sql.text import has_cjk, normalize

__all__ = ["Gateway", "Planned"]

MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True)
class Planned:
    """A question linked, generated and guarded: all that execute and answer still need.

    It holds nothing of one request (no deadline, no start time), so the service can keep it
    and answer the same question again without planning it again.
    """

    candidate: Candidate
    checked: Checked
    backend: Backend  # where it runs (HTAP may pick the columnar copy)
    lang: str
    route: dict[str, str] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    assumption: str = ""
    options: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)  # link, generate, guard (ms)


class Gateway:
    """The stages bound to one database: its backend, catalog and linking index."""

    def __init__(self, backend: Backend, catalog: Catalog, settings: Settings,
                 columnar: Backend | None = None) -> None:
        self.backend = backend
        self.columnar = columnar  # HTAP: a columnar copy for scans and aggregates
        self.catalog = catalog
        self.settings = settings
        # Large catalogs are narrowed to the tables a question needs before linking; small
        # ones are linked whole, with the entity names read from the database.
        days = open_days(catalog, backend)
        self.calendar = TradingCalendar(days) if days else None
        self.as_of = settings.as_of or _default_as_of(backend.url, settings)
        self.retriever: TableRetriever | None = None
        self.index: SchemaIndex | None = None
        self._phrases: tuple[tuple[str, str, str | None], ...] | None = None
        if len(catalog.tables) > settings.retrieval_min_tables:
            self.retriever = TableRetriever.build(catalog)
        else:
            self._entity_values = collect_entity_values(catalog, backend)
        # The plan model `nl2sql train` fitted to this exact schema, when there is one.
        self.adopt(load_model(settings, catalog))

    def adopt(self, model: PlanModel | None) -> None:
        """Use this plan model, and link with the names it learned."""
        self.model = model
        self.learn_names(model.phrases if model is not None else ())

    def learn_names(self, phrases: tuple[tuple[str, str, str | None], ...]) -> None:
        """Link with these extra (text, table, column) names from now on (the index is
        rebuilt only when they change: training learns them before the model is adopted)."""
        if phrases == self._phrases:
            return
        self._phrases = phrases
        if self.retriever is not None:
            self._subindex = lru_cache(maxsize=256)(self._build_subindex)
        else:
            self.index = SchemaIndex.build(self.catalog, self._entity_values, phrases)

    @classmethod
    def open(cls, url: str | None = None, settings: Settings | None = None,
             catalog: Catalog | None = None, columnar: str | None = None) -> Gateway:
        """Connect read-only, introspect (unless a catalog is given) and index the database;
        with `columnar`, the URL of a columnar copy of it, route queries between the two."""
        from nl2sql.catalog.introspect import introspect

        settings = settings or load_settings()
        limits = {"max_concurrency": settings.max_concurrency,
                  "queue_timeout_ms": settings.queue_timeout_ms,
                  "statement_timeout_ms": settings.statement_timeout_ms,
                  "max_rows": settings.max_rows, "max_result_bytes": settings.max_result_bytes}
        backend = open_backend(url or settings.database_url, **limits)
        copy = None
        try:
            copy = open_backend(columnar, **limits) if columnar else None
            catalog = catalog or introspect(backend, **settings.introspect_options())
            return cls(backend, catalog, settings, copy)
        except BaseException:
            backend.close()
            if copy is not None:
                copy.close()
            raise

    def close(self) -> None:
        self.backend.close()
        if self.columnar is not None:
            self.columnar.close()

    def _route(self, candidate: Candidate, read: str) -> tuple[Backend, dict[str, str]]:
        """The backend to run on: with a columnar copy, by the query's shape (HTAP)."""
        if self.columnar is None:
            return self.backend, {}
        route = choose(candidate.sql, self.catalog, read, self.settings.htap_point_limit)
        backend = self.columnar if route.store == "columnar" else self.backend
        return backend, {"store": route.store, "dialect": backend.dialect,
                         "reason": route.reason}

    def ask(self, question: str, *, deadline_ms: int | None = None,
            policy: str | None = None, access: Access | None = None) -> Answer:
        """Answer a natural-language question; raises an Nl2SqlError when it cannot.

        A mention two entities fit asks back (policy "ask"), or takes the first option and
        says so in the answer (policy "first"); the default is the `default_policy` setting.
        `access` limits what the SQL may read (the caller's key; nl2sql.guard.access).
        """
        start = time.perf_counter()
        planned = self.plan(question, policy=policy, access=access)
        timings = dict(planned.timings)
        result = self.execute(planned, start=start, deadline_ms=deadline_ms, timings=timings)
        return self.answer(question, planned, result, start=start, timings=timings)

    def plan(self, question: str, *, policy: str | None = None,
             access: Access | None = None) -> Planned:
        """Link, generate and guard a question: the CPU half of `ask`, no database call."""
        question = _checked_question(question)
        timings: dict[str, float] = {}
        assumed: tuple[str, tuple[str, ...]] = ("", ())
        ask_first = (policy or self.settings.default_policy) != "first"
        with _timed(timings, "link"):
            index, retrieved = self._index_for(question)
            try:
                linked = link(index, question, as_of=self.as_of, calendar=self.calendar)
            except ClarificationNeeded as e:
                if ask_first:
                    raise ask_back(e, "zh" if has_cjk(question) else "en") from None
                text, choice = assume(normalize(normalize_spoken(question,
                                                                 protect=index.protected)), e)
                linked = link(index, text, as_of=self.as_of, calendar=self.calendar)
                assumed = (choice, tuple(e.options))
        with _timed(timings, "generate"):
            candidate = self._generate(question, linked, index.catalog)
        rival = competing_fields(linked, candidate.plan, index.catalog)
        if rival is not None:
            if ask_first:
                raise ask_back(rival, linked.lang)
            assumed = (rival.options[0], tuple(rival.options))
        return self._guarded(candidate, linked.lang, timings, access,
                             evidence=tuple(retrieved + linked.evidence()),
                             assumption=assumed[0], options=assumed[1])

    def _generate(self, question: str, linked: SchemaSlice, catalog: Catalog) -> Candidate:
        """Tiers 0 and 1 (generate.propose); then, as `model_tier` says, the served model:
        when they cannot answer ("fallback"), or also when tier 1 is less sure than
        `model_min_confidence` ("low_confidence"). A model that fails leaves tier 1's
        answer, or its reason for having none."""
        mode = self.settings.model_tier
        try:
            candidate = propose(linked, catalog, self.model)
        except GenerationError as e:
            if mode == "off":
                raise
            return self._ask_model(question, linked, e)
        if mode == "off" or mode == "fallback" or candidate.tier == "cache" \
                or candidate.confidence >= self.settings.model_min_confidence:
            return candidate
        return self._ask_model(question, linked, candidate)

    def _ask_model(self, question: str, linked: SchemaSlice,
                   otherwise: Candidate | GenerationError) -> Candidate:
        """The served model's candidate; if it has none, `otherwise` (returned or raised)."""
        from nl2sql.llm import model_propose

        try:
            sql, confidence, _ = model_propose(question, self, linked=linked)
        except GenerationError:
            if isinstance(otherwise, GenerationError):
                raise otherwise from None
            return otherwise
        return Candidate(sql, "model", confidence)

    def link(self, question: str) -> SchemaSlice:
        """The question linked as `ask` links it (without asking back on ambiguity)."""
        index, _ = self._index_for(question)
        return link(index, question, as_of=self.as_of, calendar=self.calendar)

    def _index_for(self, question: str) -> tuple[SchemaIndex, list[str]]:
        """The linking index for this question, and the retrieval evidence behind it."""
        if self.retriever is None:
            assert self.index is not None
            return self.index, []
        hits = self.retriever.retrieve(question, k=self.settings.retrieval_k)
        if not hits:
            raise LinkError("no table of this database matches the question",
                            reason="nothing_retrieved")
        evidence = [f"retrieved {h.name} ({h.score:.2f})" for h in hits]
        return self._subindex(frozenset(h.name for h in hits)), evidence

    def _build_subindex(self, names: frozenset[str]) -> SchemaIndex:
        tables = tuple(t for t in self.catalog.tables if t.name in names)
        return SchemaIndex.build(Catalog(self.catalog.dialect, tables, self.catalog.source),
                                 phrases=self._phrases or ())

    def run_sql(self, sql: str, *, deadline_ms: int | None = None,
                access: Access | None = None) -> Answer:
        """Guard and run SQL a person wrote or edited (read in the backend's dialect)."""
        start = time.perf_counter()
        planned = self.plan_sql(sql, access=access)
        timings = dict(planned.timings)
        result = self.execute(planned, start=start, deadline_ms=deadline_ms, timings=timings)
        return self.answer(sql, planned, result, start=start, timings=timings)

    def plan_sql(self, sql: str, *, access: Access | None = None) -> Planned:
        """Guard SQL a person wrote: the CPU half of `run_sql`."""
        if not sql or not sql.strip():
            raise InputError("sql must not be empty")
        return self._guarded(Candidate(sql, "user", 1.0), "en", {}, access)

    def _guarded(self, candidate: Candidate, lang: str, timings: dict[str, float],
                 access: Access | None, **told: Any) -> Planned:
        with _timed(timings, "guard"):
            read = self.catalog.dialect if candidate.tier != "user" else self.backend.dialect
            backend, route = self._route(candidate, read)
            checked = guard(candidate.sql, self.catalog, dialect=backend.dialect, read=read,
                            max_rows=self.settings.max_rows, access=access)
        return Planned(candidate, checked, backend, lang, route, timings=timings, **told)

    def execute(self, planned: Planned, *, start: float, deadline_ms: int | None,
                timings: dict[str, float]) -> Result:
        """Run a planned query, after the cost guard when it is on: the database half."""
        with _timed(timings, "execute"):
            check_cost(planned.backend, planned.checked.sql,
                       max_cost=self.settings.max_plan_cost, max_rows=self.settings.max_plan_rows,
                       timeout_ms=self.settings.statement_timeout_ms)
            budget = deadline_ms or self.settings.deadline_ms
            left = budget - (time.perf_counter() - start) * 1000
            if left <= 0:
                raise DeadlineExceeded(f"the deadline of {budget} ms passed before execution")
            return planned.backend.run(
                planned.checked.sql, max_rows=self.settings.max_rows,
                timeout_ms=int(min(self.settings.statement_timeout_ms, left)))

    def answer(self, question: str, planned: Planned, result: Result, *, start: float,
               timings: dict[str, float], text: str | None = None) -> Answer:
        """The answer sentence over the rows, with everything the caller is shown; `text`
        when the caller already has the sentence for this plan and these very rows."""
        with _timed(timings, "answer"):
            if text is None:
                text = compose(planned.candidate.plan, self.catalog, result.columns,
                               result.rows, lang=planned.lang, truncated=result.truncated,
                               as_of=self.as_of, calendar=self.calendar,
                               max_chars=self.settings.answer_max_chars,
                               assumption=planned.assumption)
        timings["total"] = round((time.perf_counter() - start) * 1000, 3)
        c, checked = planned.candidate, planned.checked
        return Answer(question, checked.sql, checked.dialect, result.columns, result.rows,
                      result.truncated, text, c.tier, c.confidence, timings,
                      evidence=planned.evidence, options=planned.options,
                      assumption=planned.assumption, route=planned.route)


def _default_as_of(url: str, settings: Settings) -> dt.date:
    """Today; over the demo warehouse, its last trading day (its data stops there)."""
    from nl2sql.backends.base import normalize_url

    if normalize_url(url) == normalize_url(str(settings.demo_path)):
        from nl2sql.demo import AS_OF_DATE

        return AS_OF_DATE
    return dt.date.today()


def _checked_question(question: str) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InputError("question must be a non-empty string")
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"question is longer than {MAX_QUESTION_CHARS} characters")
    return question.strip()


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    t = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = round((time.perf_counter() - t) * 1000, 3)

