"""Prompt formats: small adapters that turn a `PromptTask` into chat messages.

A format is data plus two methods, registered by name in FORMATS; adding a model family that
wants different wording is adding an adapter, never an `if model == ...` in the serving path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from nl2sql.errors import ConfigError

__all__ = ["DIALECT_NOTES", "FORMATS", "ChatFormat", "NaiveFormat", "PromptFormat", "PromptTask",
           "get_format"]

Message = dict[str, str]

# What a model most often gets wrong per dialect, said once in the instructions.
DIALECT_NOTES: dict[str, str] = {
    "sqlite": "SQLite: no ILIKE or FULL JOIN; dates are text, use strftime(); || joins strings.",
    "duckdb": "DuckDB: ILIKE works; date_trunc() and strftime() for dates; || joins strings.",
    "postgres": "PostgreSQL: ILIKE works; date_trunc() for dates; quote mixed-case names.",
    "mysql": "MySQL: backticks quote names; DATE_FORMAT() for dates; CONCAT() joins strings.",
}


@dataclass(frozen=True)
class PromptTask:
    """Everything a prompt may show for one question."""

    question: str
    schema: str                    # rendered tables (nl2sql.llm.schema_text)
    dialect: str
    hints: tuple[str, ...] = ()    # linked values and dates, e.g. "'France' is singer.country"


class PromptFormat(Protocol):
    @property
    def name(self) -> str: ...

    def messages(self, task: PromptTask) -> list[Message]: ...

    def feedback(self, sql: str, problem: str) -> Message: ...


@dataclass(frozen=True)
class ChatFormat:
    """Instruction-tuned chat models: rules in the system turn, schema and question in the
    user turn, the answer as one ```sql block."""

    name: str = "chat"

    def messages(self, task: PromptTask) -> list[Message]:
        note = DIALECT_NOTES.get(task.dialect, f"Write {task.dialect} SQL.")
        system = ("You translate questions into one read-only SQL query over the given tables. "
                  "Use only the tables and columns listed; qualify columns when you join. "
                  f"{note} Answer with the query in one ```sql block and nothing else.")
        hints = "".join(f"\n- {h}" for h in task.hints)
        user = (f"Tables:\n{task.schema}\n"
                + (f"\nFacts about the question:{hints}\n" if hints else "")
                + f"\nQuestion: {task.question}")
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def feedback(self, sql: str, problem: str) -> Message:
        return {"role": "user", "content": f"That query failed: {problem}\n"
                "Write the corrected query in one ```sql block."}


@dataclass(frozen=True)
class NaiveFormat:
    """The baseline: the whole schema as CREATE TABLE statements and the question, no rules."""

    name: str = "naive"

    def messages(self, task: PromptTask) -> list[Message]:
        return [{"role": "user", "content": f"{task.schema}\n\n-- Using valid {task.dialect} "
                 f"SQL, answer the following question for the tables provided above.\n"
                 f"-- {task.question}\n"}]

    def feedback(self, sql: str, problem: str) -> Message:
        return {"role": "user", "content": f"Error: {problem}"}


FORMATS: dict[str, PromptFormat] = {f.name: f for f in (ChatFormat(), NaiveFormat())}


def get_format(name: str) -> PromptFormat:
    try:
        return FORMATS[name]
    except KeyError:
        raise ConfigError(f"unknown prompt format {name!r}; choose one of "
                          f"{', '.join(FORMATS)}") from None
