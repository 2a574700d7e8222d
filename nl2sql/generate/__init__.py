"""Generation tiers behind one interface: propose(question slice) -> Candidate."""

from __future__ import annotations

from dataclasses import dataclass

from nl2sql.catalog.model import Catalog
from nl2sql.generate.parser import parse
from nl2sql.generate.plan import QueryPlan, compile_plan
from nl2sql.link.schema_slice import SchemaSlice

__all__ = ["Candidate", "propose"]


@dataclass(frozen=True)
class Candidate:
    sql: str            # generic SQL from the sqlglot builder; the guard transpiles it
    tier: str           # "parser" (tier 1); later "cache" (tier 0) and "model" (tier 2)
    confidence: float   # 0..1; the arbiter escalates low-confidence candidates
    plan: QueryPlan | None = None


def propose(s: SchemaSlice, catalog: Catalog) -> Candidate:
    """The best candidate the available tiers produce (tier 1 only, for now)."""
    plan, confidence = parse(s, catalog)
    return Candidate(compile_plan(plan, catalog).sql(dialect=catalog.dialect), "parser",
                     confidence, plan)
