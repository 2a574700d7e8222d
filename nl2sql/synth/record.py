"""One synthetic pair as it is exported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nl2sql.generate.plan import QueryPlan
from nl2sql.synth.render import Mention

__all__ = ["SynthPair"]


@dataclass(frozen=True)
class SynthPair:
    """A question with its SQL (None when ambiguous or unanswerable) and alignments.

    `id` is "<unit>-<n>": the unit that made it and its place there; merging shards sorts
    by it. `options` lists, for an ambiguous question, each reading: ref, text and sql.
    """

    id: str
    question: str
    sql: str | None
    dialect: str
    db_id: str
    tables: tuple[str, ...]
    difficulty: str | None
    lang: str
    plan: QueryPlan | None
    constructs: tuple[str, ...]
    mentions: tuple[Mention, ...]
    label: str = "answerable"  # answerable | ambiguous | unanswerable
    options: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "question": self.question, "sql": self.sql, "dialect": self.dialect,
            "db_id": self.db_id, "tables": list(self.tables), "difficulty": self.difficulty,
            "lang": self.lang, "plan": self.plan.to_dict() if self.plan else None,
            "constructs": list(self.constructs),
            "mentions": [m.to_dict() for m in self.mentions], "label": self.label,
            "options": list(self.options),
        }
