"""Find the one SQL query in a model's reply: inside a code fence or not, before or after
prose, with or without a semicolon; sqlglot decides where the query ends."""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from nl2sql.errors import GenerationError

__all__ = ["extract_sql"]

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_START = re.compile(r"\b(SELECT|WITH)\b", re.IGNORECASE)


def extract_sql(text: str, dialect: str) -> str:
    """The first query in `text` that sqlglot parses, without a trailing semicolon.

    >>> extract_sql("Sure!\\n```sql\\nSELECT name FROM singer;\\n```\\nThis lists names.", "sqlite")
    'SELECT name FROM singer'
    >>> extract_sql("SELECT count(*) FROM t\\n\\nThis counts the rows.", "sqlite")
    'SELECT count(*) FROM t'
    """
    fenced = [body for lang, body in _FENCE.findall(text) if lang.lower() in ("", "sql")]
    for chunk in (*fenced, text):
        sql = _first_query(chunk, dialect)
        if sql:
            return sql
    raise GenerationError("the model's reply holds no SQL query", reason="no_sql",
                          reply=text[:300])


def _first_query(chunk: str, dialect: str) -> str | None:
    """From each SELECT/WITH, the longest run of whole lines that parses as one query."""
    for start in _START.finditer(chunk):
        lines = chunk[start.start():].split(";", 1)[0].rstrip().splitlines()
        for end in range(len(lines), 0, -1):
            candidate = "\n".join(lines[:end]).strip()
            if _is_query(candidate, dialect):
                return candidate
    return None


def _is_query(sql: str, dialect: str) -> bool:
    try:
        trees = sqlglot.parse(sql, read=dialect)
    except SqlglotError:
        return False
    return len(trees) == 1 and isinstance(trees[0], exp.Query)
