"""`guard`: parse, run every check in order, transpile to the backend's dialect."""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ErrorLevel, SqlglotError

from nl2sql.catalog.model import Catalog
from nl2sql.errors import ConfigError, InputError
from nl2sql.guard.access import Access
from nl2sql.guard.checks import CHECKS, Check, parse_statement
from nl2sql.guard.context import Context, index_of, reject

__all__ = ["Checked", "guard"]


@dataclass(frozen=True)
class Checked:
    """A query that passed every check."""

    sql: str  # the final SQL text in the target dialect
    dialect: str  # sqlglot dialect name of the backend
    tree: exp.Expr  # the final AST
    applied: tuple[str, ...]  # names of the rewrites applied, e.g. ("limit 1001",)


def guard(
    sql: str | exp.Expr,
    catalog: Catalog,
    *,
    dialect: str,
    read: str | None = None,
    max_rows: int | None = None,
    access: Access | None = None,
    checks: tuple[Check, ...] = CHECKS,
) -> Checked:
    """Check `sql` against `catalog` and the read-only policy; return it ready to run.

    Args:
        sql: SQL text (one statement) or an already parsed tree, written in `read`.
        dialect: the backend's sqlglot dialect; the output is transpiled to it.
        read: the dialect `sql` is written in; defaults to `dialect`.
        max_rows: when given, the outermost query is capped at max_rows + 1 rows.
        access: what the caller may read (nl2sql.guard.access); None: everything.

    Raises:
        GuardError: with `details["reason"]` saying why (see nl2sql.guard.checks).

    >>> from nl2sql.catalog.model import Catalog, Column, Table
    >>> cat = Catalog("sqlite", (Table("singer", (Column("name", "text"),)),))
    >>> guard("select name from singer", cat, dialect="postgres", read="sqlite", max_rows=10).sql
    'SELECT name FROM singer LIMIT 11'
    """
    ctx = _context(sql, catalog, dialect, read, max_rows, access)
    try:
        tree = sql.copy() if isinstance(sql, exp.Expr) else parse_statement(sql, ctx)
        for check in checks:
            tree = check(tree, ctx)
        text = _generate(tree, ctx)
    except RecursionError:
        # sqlglot's parser and generator recurse per nesting level.
        raise reject("too_complex", "The query is nested too deeply to check.") from None
    if ctx.read != ctx.dialect:
        ctx.applied.append(f"transpiled {ctx.read} -> {ctx.dialect}")
    return Checked(text, ctx.dialect, tree, tuple(ctx.applied))


def _context(
    sql: str | exp.Expr, catalog: Catalog, dialect: str, read: str | None,
    max_rows: int | None, access: Access | None,
) -> Context:
    if max_rows is not None and max_rows < 0:
        raise InputError(f"max_rows must be >= 0, got {max_rows}")
    for name in (dialect, read):
        if name is not None:
            try:
                Dialect.get_or_raise(name)
            except ValueError as e:
                raise ConfigError(f"unknown SQL dialect {name!r}: {e}") from None
    text = sql if isinstance(sql, str) else None
    return Context(catalog, index_of(catalog), dialect, read or dialect, max_rows, text, access)


def _generate(tree: exp.Expr, ctx: Context) -> str:
    try:
        # copy=False: the tree is ours, so the generator's dialect transforms may apply in place.
        return tree.sql(
            dialect=ctx.dialect, comments=False, unsupported_level=ErrorLevel.RAISE, copy=False
        )
    except SqlglotError as e:
        raise reject(
            "unsupported", f"Cannot express this query in {ctx.dialect}: {e}"
        ) from None
