"""Spider-style query normalisation before execution.

The official test-suite evaluator (`exec` mode) fixes spaced comparison operators, keeps the
first statement only and drops the keyword DISTINCT from gold and prediction alike. The text is
scanned once so that quotes and comments are never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

__all__ = ["first_statement", "has_top_level_order_by", "normalize_sql"]

# A quoted string or identifier, or a comment: never rewritten.
_OPAQUE = re.compile(
    r"""'(?:[^']|'')*'?|"(?:[^"]|"")*"?|`[^`]*`?|\[[^\]]*\]?|--[^\n]*|/\*.*?(?:\*/|$)""",
    re.DOTALL,
)
_SPACED_OP = re.compile(r"([<>!])\s+=")
# IS [NOT] DISTINCT FROM and DISTINCT ON are not the set quantifier; removing them breaks SQL.
_DISTINCT = re.compile(r"(?<!\bIS )(?<!\bNOT )\bDISTINCT\b(?!\s+(?:ON|FROM)\b)\s*", re.IGNORECASE)
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


def _segments(sql: str) -> Iterator[tuple[str, bool]]:
    """Yield (text, is_code) pieces; quoted text and comments are not code."""
    pos = 0
    for m in _OPAQUE.finditer(sql):
        if m.start() > pos:
            yield sql[pos : m.start()], True
        yield m.group(), False
        pos = m.end()
    if pos < len(sql):
        yield sql[pos:], True


def first_statement(sql: str) -> str:
    """The text before the first `;` that is code, stripped.

    >>> first_statement("SELECT ';' FROM t; DROP TABLE t")
    "SELECT ';' FROM t"
    """
    out = []
    for text, is_code in _segments(sql):
        if is_code and ";" in text:
            out.append(text.split(";", 1)[0])
            break
        out.append(text)
    return "".join(out).strip()


def normalize_sql(sql: str, *, keep_distinct: bool = False) -> str:
    """First statement, `> =` → `>=` (also `<`, `!`), DISTINCT removed outside quotes.

    >>> normalize_sql("SELECT DISTINCT name FROM t WHERE a > = 1 AND b = 'distinct';")
    "SELECT name FROM t WHERE a >= 1 AND b = 'distinct'"
    """
    out = []
    for text, is_code in _segments(first_statement(sql)):
        if is_code:
            text = _SPACED_OP.sub(r"\1=", text)
            if not keep_distinct:
                text = _DISTINCT.sub("", text)
        out.append(text)
    return "".join(out).strip()


def has_top_level_order_by(sql: str, dialect: str) -> bool:
    """Whether the outermost query orders its rows (an ORDER BY in a subquery does not count).

    Falls back to "ORDER BY anywhere in the code" (the official rule) when sqlglot cannot parse.

    >>> has_top_level_order_by("SELECT a FROM t WHERE b = (SELECT b FROM s ORDER BY c LIMIT 1)", "sqlite")
    False
    """
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return any(is_code and _ORDER_BY.search(text) for text, is_code in _segments(sql))
    return isinstance(tree, exp.Query) and tree.args.get("order") is not None
