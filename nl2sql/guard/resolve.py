"""Name resolution over sqlglot scopes: does every column reference name something real?

This is the fallback for queries sqlglot's `qualify` cannot handle (ORDER BY an alias, GROUP BY
an ordinal, SQLite's "double-quoted strings", ...). It only checks that each name exists in a
source in scope (a catalog table, a derived table, a CTE, a select alias), which is what a person
needs to fix a wrong query; the database still has the last word on subtler errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from nl2sql.guard.context import CatalogIndex, Context, close_names
from nl2sql.guard.policy import DQ_STRING_FALLBACK, KEYWORD_VALUES, PSEUDO_COLUMNS

__all__ = ["Problem", "Resolution", "output_names", "resolve_columns", "source_columns"]

Columns = dict[str, str]  # lower name -> spelling


@dataclass(frozen=True)
class Problem:
    """One unresolvable reference, with what a person needs to fix it."""

    reason: str
    message: str
    identifier: str
    node: exp.Expr
    suggestions: tuple[str, ...] = ()
    tables_with_column: tuple[str, ...] = ()

    @property
    def position(self) -> tuple[int, int]:
        meta = getattr(self.node.this, "meta", None) or self.node.meta or {}
        return meta.get("line", 0), meta.get("col", 0)


@dataclass
class Resolution:
    problems: list[Problem] = field(default_factory=list)
    # Columns resolved to a catalog table: identifier, catalog spelling, the table's name.
    catalog_columns: list[tuple[exp.Identifier, str, str]] = field(default_factory=list)
    # SQLite "double-quoted" names that name nothing, hence are string literals.
    strings: list[exp.Column] = field(default_factory=list)


def resolve_columns(tree: exp.Expr, ctx: Context) -> Resolution:
    """Resolve every column reference of `tree` against its scopes and the catalog."""
    out = Resolution()
    lambdas = tree.find(exp.Lambda) is not None
    for scope in traverse_scope(tree):
        aliases = _select_aliases(scope)
        for col in _columns_in(scope, lambdas):
            _resolve(col, scope, aliases, ctx, out)
    out.problems.sort(key=lambda p: p.position)
    return out


def source_columns(source: exp.Expr | Scope, index: CatalogIndex) -> Columns | None:
    """Columns a FROM source exposes (lower -> spelling); None when they cannot be known."""
    if isinstance(source, Scope):
        return _scope_columns(source)
    if isinstance(source, exp.Table):
        named = _alias_columns(source)
        if named is not None:
            return named
        if not isinstance(source.this, exp.Identifier):
            return None
        return index.columns.get(source.name.lower())
    return None


def _scope_columns(scope: Scope) -> Columns | None:
    node = scope.expression
    holder = node.parent if isinstance(node.parent, (exp.Subquery, exp.CTE)) else node
    named = _alias_columns(holder)
    if named is not None:
        return named
    return output_names(node)


def _alias_columns(node: exp.Expr) -> Columns | None:
    alias = node.args.get("alias")
    cols = alias.columns if isinstance(alias, exp.TableAlias) else []
    return {c.name.lower(): c.name for c in cols} if cols else None


def output_names(query: exp.Expr) -> Columns | None:
    """Output column names of a query (lower -> spelling); None when engine-specific."""
    while isinstance(query, (exp.SetOperation, exp.Subquery)):
        query = query.this if isinstance(query, exp.Subquery) else query.left
    if not isinstance(query, exp.Select):
        return None
    names: Columns = {}
    for e in query.expressions:
        name = e.alias_or_name
        if isinstance(e, exp.Star) or isinstance(e.this, exp.Star) or not name:
            return None  # star or an unnamed expression: engine-specific output names
        names[name.lower()] = name
    return names


def _select_aliases(scope: Scope) -> set[str]:
    node = scope.expression
    if isinstance(node, exp.SetOperation):
        # ORDER BY of a set operation names output columns of its branches.
        return {n for s in node.find_all(exp.Select) for n in (output_names(s) or {})}
    if isinstance(node, exp.Select):
        return {e.alias.lower() for e in node.expressions if isinstance(e, exp.Alias)}
    return set()


def _columns_in(scope: Scope, lambdas: bool) -> Iterator[exp.Column]:
    for node in list(scope.walk()):
        if isinstance(node, exp.Column) and not (lambdas and _is_lambda_param(node)):
            yield node


def _is_lambda_param(col: exp.Column) -> bool:
    lam = col.find_ancestor(exp.Lambda)
    while lam is not None:
        if any(p.name.lower() == col.name.lower() for p in lam.expressions):
            return True
        lam = lam.find_ancestor(exp.Lambda)
    return False


def _scopes_up(scope: Scope) -> Iterator[Scope]:
    s: Scope | None = scope
    while s is not None:
        yield s
        s = s.parent


def _find_source(name: str, scope: Scope) -> exp.Expr | Scope | None:
    low = name.lower()
    for s in _scopes_up(scope):
        for alias, src in s.sources.items():
            if alias.lower() == low:
                return src
        # Lenient: a table's own name even where it was given an alias.
        for src in s.sources.values():
            if isinstance(src, exp.Table) and src.name.lower() == low:
                return src
    return None


def _resolve(col: exp.Column, scope: Scope, aliases: set[str], ctx: Context, out: Resolution) -> None:
    if col.table:
        _resolve_qualified(col, scope, ctx, out)
    else:
        _resolve_bare(col, scope, aliases, ctx, out)


def _resolve_qualified(col: exp.Column, scope: Scope, ctx: Context, out: Resolution) -> None:
    src = _find_source(col.table, scope)
    if src is None and col.args.get("db") is not None:
        # `a.b.c` may be alias a, struct column b, field c.
        inner = _find_source(col.args["db"].name, scope)
        cols = source_columns(inner, ctx.index) if inner is not None else {}
        if cols is None or col.table.lower() in (cols or {}):
            return
    if src is None and _is_struct_access(col, scope, ctx):
        return
    if src is None:
        out.problems.append(_unknown_alias(col, scope))
        return
    if isinstance(col.this, exp.Star):
        return
    cols = source_columns(src, ctx.index)
    name = col.name.lower()
    if cols is None or name in _pseudo(ctx):
        return
    if name in cols:
        _note_catalog_column(col, src, cols[name], out)
        return
    out.problems.append(_unknown_qualified(col, src, scope, ctx))


def _is_struct_access(col: exp.Column, scope: Scope, ctx: Context) -> bool:
    """`s.field` where `s` is a (struct or JSON) column of a source in scope."""
    qualifier = col.table.lower()
    return any(
        cols is None or qualifier in cols
        for s in _scopes_up(scope)
        for cols in (source_columns(src, ctx.index) for src in s.sources.values())
    )


def _resolve_bare(
    col: exp.Column, scope: Scope, aliases: set[str], ctx: Context, out: Resolution
) -> None:
    name = col.name.lower()
    for s in _scopes_up(scope):
        hits, unknown = _sources_having(name, s, ctx.index)
        if hits or unknown:
            if len(hits) == 1 and not unknown and name not in aliases:
                _note_catalog_column(col, hits[0][1], hits[0][2], out)
            elif len(hits) > 1 and not unknown and not _ambiguity_ok(name, s, aliases):
                out.problems.append(_ambiguous(col, hits))
            return
        if s is scope and (name in aliases or name in {a.lower() for a in s.sources}):
            return
    if name in aliases or (name in _pseudo(ctx) and len(scope.sources) == 1):
        return
    if name in KEYWORD_VALUES.get(ctx.read, ()):
        return
    if _is_dq_string(col, ctx):
        out.strings.append(col)
        return
    out.problems.append(_unknown_bare(col, scope, ctx))


def _sources_having(
    name: str, scope: Scope, index: CatalogIndex
) -> tuple[list[tuple[str, exp.Expr | Scope, str]], bool]:
    hits: list[tuple[str, exp.Expr | Scope, str]] = []
    unknown = False
    for alias, src in scope.sources.items():
        cols = source_columns(src, index)
        if cols is None:
            unknown = True
        elif name in cols:
            hits.append((alias, src, cols[name]))
    return hits, unknown


def _ambiguity_ok(name: str, scope: Scope, aliases: set[str]) -> bool:
    if name in aliases or not isinstance(scope.expression, exp.Select):
        return True
    for join in scope.expression.args.get("joins") or []:
        if join.method == "NATURAL":
            return True
        if any(u.name.lower() == name for u in join.args.get("using") or []):
            return True
    return False


def _note_catalog_column(col: exp.Column, src: exp.Expr | Scope, real: str, out: Resolution) -> None:
    if isinstance(src, exp.Table):
        out.catalog_columns.append((col.this, real, src.name))


def _pseudo(ctx: Context) -> frozenset[str]:
    return PSEUDO_COLUMNS.get(ctx.read, frozenset()) | PSEUDO_COLUMNS.get(ctx.dialect, frozenset())


def _is_dq_string(col: exp.Column, ctx: Context) -> bool:
    ident = col.this
    if ctx.read not in DQ_STRING_FALLBACK or not isinstance(ident, exp.Identifier):
        return False
    if not ident.quoted:
        return False
    start = ident.meta.get("start")
    # Only "double quotes" fall back to strings; [brackets] and `backticks` never do.
    return ctx.sql is None or start is None or ctx.sql[start : start + 1] == '"'


def _describe_sources(scope: Scope) -> str:
    parts = []
    for alias, src in scope.sources.items():
        if isinstance(src, exp.Table) and src.name.lower() != alias.lower():
            parts.append(f"{alias} ({src.name})")
        else:
            parts.append(alias)
    return ", ".join(parts) or "none"


def _unknown_alias(col: exp.Column, scope: Scope) -> Problem:
    known = [a for s in _scopes_up(scope) for a in s.sources]
    return Problem(
        "unknown_table",
        f"Unknown table or alias {col.table!r} in {col.sql()}; tables in scope: "
        f"{_describe_sources(scope)}.",
        col.table,
        col,
        tuple(close_names(col.table, known) or known[:5]),
    )


def _unknown_qualified(
    col: exp.Column, src: exp.Expr | Scope, scope: Scope, ctx: Context
) -> Problem:
    name, table = col.name, col.table
    owner = src.name if isinstance(src, exp.Table) else f"derived table {table}"
    in_scope = [f"{a}.{c}" for a, _, c in _sources_having(name.lower(), scope, ctx.index)[0]]
    own = list((source_columns(src, ctx.index) or {}).values())
    close = [f"{table}.{c}" for c in close_names(name, own)]
    elsewhere = _tables_elsewhere(name, scope, ctx)
    msg = f"Unknown column {table}.{name}: {owner} has no column {name!r}."
    if in_scope:
        msg += f" Did you mean {', '.join(in_scope)}?"
    elif elsewhere:
        msg += f" It is a column of {_tables_phrase(elsewhere)}, which this query does not join."
    if close:
        msg += f" Similar columns of {owner}: {', '.join(close)}."
    return Problem(
        "unknown_column", msg, f"{table}.{name}", col,
        tuple(in_scope + close + _qualified(elsewhere, name, ctx)), elsewhere,
    )


def _unknown_bare(col: exp.Column, scope: Scope, ctx: Context) -> Problem:
    name = col.name
    visible = {
        c: a for s in _scopes_up(scope) for a, src in s.sources.items()
        for c in (source_columns(src, ctx.index) or {}).values()
    }
    close = [f"{visible[c]}.{c}" for c in close_names(name, list(visible))]
    elsewhere = _tables_elsewhere(name, scope, ctx)
    msg = f"Unknown column {name!r}: no table in scope ({_describe_sources(scope)}) has it."
    if elsewhere:
        msg += f" It is a column of {_tables_phrase(elsewhere)}, which this query does not join."
    if close:
        msg += f" Did you mean {', '.join(close)}?"
    return Problem(
        "unknown_column", msg, name, col,
        tuple(close + _qualified(elsewhere, name, ctx)), elsewhere,
    )


def _tables_elsewhere(name: str, scope: Scope, ctx: Context) -> tuple[str, ...]:
    """Catalog tables having column `name` that the query does not use in this scope."""
    used = {
        src.name.lower() for s in _scopes_up(scope) for src in s.sources.values()
        if isinstance(src, exp.Table)
    }
    return tuple(t for t in ctx.index.by_column.get(name.lower(), ()) if t.lower() not in used)


def _qualified(tables: tuple[str, ...], name: str, ctx: Context) -> list[str]:
    return [f"{t}.{ctx.index.columns[t.lower()][name.lower()]}" for t in tables]


def _ambiguous(col: exp.Column, hits: list[tuple[str, exp.Expr | Scope, str]]) -> Problem:
    options = tuple(f"{a}.{c}" for a, _, c in hits)
    return Problem(
        "ambiguous_column",
        f"Ambiguous column {col.name!r}: it is in {', '.join(options)}; qualify it.",
        col.name, col, options,
    )


def _tables_phrase(tables: tuple[str, ...]) -> str:
    shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
    return f"table {shown}" if len(tables) == 1 else f"tables {shown}"
