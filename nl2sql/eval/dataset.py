"""Benchmark question files (JSONL) and where each question's database lives."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nl2sql.errors import ConfigError, InputError

__all__ = [
    "DB_SUFFIXES",
    "DatabaseRef",
    "EvalQuestion",
    "load_questions",
    "locate_database",
]

DB_SUFFIXES = (".sqlite", ".db", ".duckdb")
_SUFFIX_SCHEME = {".sqlite": "sqlite", ".db": "sqlite", ".duckdb": "duckdb"}
_REQUIRED = ("id", "db_id", "question", "gold_sql")


@dataclass(frozen=True)
class EvalQuestion:
    """One benchmark record; the gold fields are only ever read by the scorer."""

    id: str
    db_id: str
    question: str
    gold_sql: str
    gold_sql_alternatives: tuple[str, ...] = ()
    gold_sql_sqlite: str | None = None
    gold_sql_sqlite_alternatives: tuple[str, ...] = ()
    question_sqlite: str | None = None
    instructions: str | None = None
    hardness: str | None = None
    query_category: str | None = None
    lang: str | None = None

    def text(self, dialect: str) -> str:
        """The question wording for this database (defog words a few SQLite rows differently)."""
        if dialect == "sqlite" and self.question_sqlite:
            return self.question_sqlite
        return self.question

    def prompt(self, dialect: str) -> str:
        """What a user would type: the question, then defog's instructions on the next line."""
        text = self.text(dialect)
        return f"{text}\n{self.instructions}" if self.instructions else text

    def golds(self, dialect: str) -> tuple[str, ...]:
        """Gold queries for this database, main one first: the SQLite gold on SQLite files."""
        if dialect == "sqlite" and self.gold_sql_sqlite:
            main, alternatives = self.gold_sql_sqlite, self.gold_sql_sqlite_alternatives
        else:
            main, alternatives = self.gold_sql, self.gold_sql_alternatives
        return tuple(dict.fromkeys((main, *alternatives)))


@dataclass(frozen=True)
class DatabaseRef:
    db_id: str
    url: str
    dialect: str


def _strings(value: Any, field: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f"{where}: {field} must be a list of non-empty strings", field=field)
    return tuple(value)


def _optional(record: dict[str, Any], field: str, where: str) -> str | None:
    value = record.get(field)
    if value is not None and not isinstance(value, str):
        raise InputError(f"{where}: {field} must be a string", field=field)
    return value or None


def parse_question(record: Any, where: str) -> EvalQuestion:
    """One JSON object → EvalQuestion; `where` (file:line) prefixes every error."""
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object")
    for field in _REQUIRED:
        value = record.get(field)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: {field!r} must be a non-empty string", field=field)
    return EvalQuestion(
        id=record["id"],
        db_id=record["db_id"],
        question=record["question"],
        gold_sql=record["gold_sql"],
        gold_sql_alternatives=_strings(
            record.get("gold_sql_alternatives"), "gold_sql_alternatives", where
        ),
        gold_sql_sqlite=_optional(record, "gold_sql_sqlite", where),
        gold_sql_sqlite_alternatives=_strings(
            record.get("gold_sql_sqlite_alternatives"), "gold_sql_sqlite_alternatives", where
        ),
        question_sqlite=_optional(record, "question_sqlite", where),
        instructions=_optional(record, "instructions", where),
        hardness=_optional(record, "hardness", where),
        query_category=_optional(record, "query_category", where),
        lang=_optional(record, "lang", where),
    )


def _parse_lines(lines: Iterable[str], source: str) -> list[EvalQuestion]:
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{n}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{where}: not valid JSON ({e.msg})") from e
        q = parse_question(record, where)
        if q.id in seen:
            raise InputError(f"{where}: duplicate question id {q.id!r}", id=q.id)
        seen.add(q.id)
        questions.append(q)
    return questions


def load_questions(path: str | Path) -> list[EvalQuestion]:
    """Read a questions JSONL file: {"id", "db_id", "question", "gold_sql", ...} per line."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as f:
            questions = _parse_lines(f, str(path))
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read questions file {path}: {e}") from e
    if not questions:
        raise InputError(f"questions file {path} holds no questions")
    return questions


def _candidates(db_id: str, root: Path) -> list[Path]:
    return [root / db_id / f"{db_id}{s}" for s in DB_SUFFIXES] + [
        root / f"{db_id}{s}" for s in DB_SUFFIXES
    ]


def locate_database(
    db_id: str,
    databases: str | Path | None = None,
    postgres_url_template: str | None = None,
) -> DatabaseRef:
    """Where a db_id lives: the PostgreSQL template when given, else a file under `databases`.

    Files are looked up as DIR/<db_id>/<db_id>.{sqlite,db,duckdb}, then DIR/<db_id>.{...};
    a miss is a ConfigError that lists every path tried.
    """
    if postgres_url_template:
        try:
            url = postgres_url_template.format(db_id=db_id)
        except (KeyError, IndexError, ValueError) as e:
            raise ConfigError(
                f"bad PostgreSQL URL template {postgres_url_template!r}: use {{db_id}}"
            ) from e
        return DatabaseRef(db_id, url, "postgres")
    if databases is None:
        raise ConfigError("give a databases folder or a PostgreSQL URL template")
    if not db_id or db_id in {".", ".."} or any(c in db_id for c in "/\\\0"):
        raise ConfigError(f"db_id {db_id!r} cannot name a database file", db_id=db_id)
    tried = _candidates(db_id, Path(databases))
    for path in tried:
        if path.is_file():
            url = f"{_SUFFIX_SCHEME[path.suffix]}:///{path.resolve()}"
            return DatabaseRef(db_id, url, _SUFFIX_SCHEME[path.suffix])
    looked = ", ".join(str(p) for p in tried)
    raise ConfigError(f"no database for db_id {db_id!r}; looked for {looked}", db_id=db_id)
