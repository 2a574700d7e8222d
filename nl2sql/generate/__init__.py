"""Generation tiers behind one interface: propose(question slice) -> Candidate."""

from __future__ import annotations

from dataclasses import dataclass

from nl2sql.catalog.model import Catalog
from nl2sql.errors import GenerationError
from nl2sql.generate.learned import PlanModel
from nl2sql.generate.parser import parse
from nl2sql.generate.plan import QueryPlan, compile_plan
from nl2sql.link.schema_slice import SchemaSlice

__all__ = ["Candidate", "propose"]


@dataclass(frozen=True)
class Candidate:
    sql: str            # generic SQL from the sqlglot builder; the guard transpiles it
    tier: str           # "cache" (tier 0), "learned" or "parser" (tier 1); later "model"
    confidence: float   # 0..1; the arbiter escalates low-confidence candidates
    plan: QueryPlan | None = None


def propose(s: SchemaSlice, catalog: Catalog, model: PlanModel | None = None) -> Candidate:
    """The best candidate of the available tiers.

    Tier 0 first: a question whose skeleton the database's synthetic pairs hold verbatim
    reuses their verified template. Then the rule parser; the learned reading answers
    when the parser cannot. (Measured on the Spider dev set, preferring confident learned
    readings over the parser's lost 16 of 142 right answers; see benchmarks/RESULTS.md.)
    """
    if model is not None:
        verified = model.propose(s, catalog, exact_only=True)
        if verified is not None:
            return _candidate(*verified, catalog)
    try:
        plan, confidence = parse(s, catalog)
    except GenerationError:
        learned = model.propose(s, catalog) if model is not None else None
        if learned is None:
            raise
        return _candidate(*learned, catalog)
    return _candidate(plan, confidence, "parser", catalog)


def _candidate(plan: QueryPlan, confidence: float, tier: str, catalog: Catalog) -> Candidate:
    return Candidate(compile_plan(plan, catalog).sql(dialect=catalog.dialect), tier,
                     confidence, plan)
