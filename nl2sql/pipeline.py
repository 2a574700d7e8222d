"""One question through the stages: link -> generate -> guard -> execute -> answer."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache

from nl2sql.answer import Answer, sentence
from nl2sql.backends import Backend, open_backend
from nl2sql.catalog.model import Catalog
from nl2sql.errors import DeadlineExceeded, InputError, LinkError
from nl2sql.generate import Candidate, propose
from nl2sql.generate.plan import Measure
from nl2sql.guard import guard
from nl2sql.link import SchemaIndex, link
from nl2sql.link.retrieve import TableRetriever
from nl2sql.link.timeexpr import TradingCalendar
from nl2sql.link.values import collect_entity_values, open_days
from nl2sql.settings import Settings, load_settings
from nl2sql.text import has_cjk

__all__ = ["Gateway"]

MAX_QUESTION_CHARS = 2000
_AGG_WORDS = {
    "zh": {"count": "数量", "avg": "平均{}", "sum": "{}合计", "max": "最高{}", "min": "最低{}"},
    "en": {"count": "count", "avg": "average {}", "sum": "total {}", "max": "highest {}",
           "min": "lowest {}"},
}


class Gateway:
    """The stages bound to one database: its backend, catalog and linking index."""

    def __init__(self, backend: Backend, catalog: Catalog, settings: Settings) -> None:
        self.backend = backend
        self.catalog = catalog
        self.settings = settings
        # Large catalogs are narrowed to the tables a question needs before linking; small
        # ones are linked whole, with the entity names read from the database.
        days = open_days(catalog, backend)
        self.calendar = TradingCalendar(days) if days else None
        self.as_of = settings.as_of or _default_as_of(backend.url, settings)
        self.retriever: TableRetriever | None = None
        if len(catalog.tables) > settings.retrieval_min_tables:
            self.retriever = TableRetriever.build(catalog)
            self.index = None
            self._subindex = lru_cache(maxsize=256)(self._build_subindex)
        else:
            self.index = SchemaIndex.build(catalog, collect_entity_values(catalog, backend))

    @classmethod
    def open(cls, url: str | None = None, settings: Settings | None = None,
             catalog: Catalog | None = None) -> Gateway:
        """Connect read-only, introspect (unless a catalog is given) and index the database."""
        from nl2sql.catalog.introspect import introspect

        settings = settings or load_settings()
        backend = open_backend(
            url or settings.database_url,
            max_concurrency=settings.max_concurrency,
            queue_timeout_ms=settings.queue_timeout_ms,
            statement_timeout_ms=settings.statement_timeout_ms,
            max_rows=settings.max_rows,
        )
        try:
            catalog = catalog or introspect(backend, **settings.introspect_options())
            return cls(backend, catalog, settings)
        except BaseException:
            backend.close()
            raise

    def close(self) -> None:
        self.backend.close()

    def ask(self, question: str, *, deadline_ms: int | None = None) -> Answer:
        """Answer a natural-language question; raises an Nl2SqlError when it cannot."""
        question = _checked_question(question)
        timings: dict[str, float] = {}
        start = time.perf_counter()
        with _timed(timings, "link"):
            index, retrieved = self._index_for(question)
            linked = link(index, question, as_of=self.as_of, calendar=self.calendar)
        with _timed(timings, "generate"):
            candidate = propose(linked, index.catalog)
        answer = self._run(question, candidate, linked.lang, timings, start, deadline_ms)
        return replace(answer, evidence=tuple(retrieved + linked.evidence()))

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
        return SchemaIndex.build(Catalog(self.catalog.dialect, tables, self.catalog.source))

    def run_sql(self, sql: str, *, deadline_ms: int | None = None) -> Answer:
        """Guard and run SQL a person wrote or edited (read in the backend's dialect)."""
        if not sql or not sql.strip():
            raise InputError("sql must not be empty")
        start = time.perf_counter()
        return self._run(sql, Candidate(sql, "user", 1.0), "en", {}, start, deadline_ms)

    def _run(self, question: str, candidate: Candidate, lang: str, timings: dict[str, float],
             start: float, deadline_ms: int | None) -> Answer:
        with _timed(timings, "guard"):
            checked = guard(candidate.sql, self.catalog, dialect=self.backend.dialect,
                            read=self.catalog.dialect if candidate.tier != "user" else None,
                            max_rows=self.settings.max_rows)
        budget = deadline_ms or self.settings.deadline_ms
        left = budget - (time.perf_counter() - start) * 1000
        if left <= 0:
            raise DeadlineExceeded(f"the deadline of {budget} ms passed before execution")
        with _timed(timings, "execute"):
            result = self.backend.run(
                checked.sql, max_rows=self.settings.max_rows,
                timeout_ms=int(min(self.settings.statement_timeout_ms, left)))
        with _timed(timings, "answer"):
            labels = self._labels(candidate, result.columns, lang)
            text = sentence(labels, result.rows, lang=lang, truncated=result.truncated)
        timings["total"] = round((time.perf_counter() - start) * 1000, 3)
        return Answer(question, checked.sql, checked.dialect, result.columns, result.rows,
                      result.truncated, text, candidate.tier, candidate.confidence, timings)

    def _labels(self, candidate: Candidate, columns: tuple[str, ...], lang: str) -> tuple[str, ...]:
        """Speakable column names: catalog comments for planned queries, else result names."""
        plan = candidate.plan
        if plan is None or len(plan.select) != len(columns):
            return columns
        return tuple(self._label(m, lang) for m in plan.select)

    def _label(self, m: Measure, lang: str) -> str:
        name = ""
        if m.col is not None:
            table = self.catalog.table(m.col.table)
            col = table.column(m.col.column) if table else None
            parts = [p.strip() for p in (col.comment if col else "").split("|")]
            zh_part = next((p for p in parts if has_cjk(p)), "")
            en_part = next((p for p in parts if p and not has_cjk(p)), "")
            name = (zh_part if lang == "zh" else en_part) or m.col.column
        if m.agg is None:
            return name
        return _AGG_WORDS[lang][m.agg].format(name).strip()


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

