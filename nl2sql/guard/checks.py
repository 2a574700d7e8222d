"""The guard's checks: small functions `check_x(tree, ctx) -> tree`, run in order by `guard`.

Each returns the (possibly rewritten) tree or raises GuardError with a `reason` code:
syntax_error, empty, multiple_statements, not_a_query, not_read_only, denied_function,
unknown_table, unknown_column, ambiguous_column, cross_join, too_many_columns, unsupported,
too_complex, too_expensive, and from nl2sql.guard.access table_not_allowed, column_not_allowed
(nl2sql.guard.cost adds too_costly, from the backend's plan).
Adding a policy is adding a function to CHECKS.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope

from nl2sql.catalog.model import Table
from nl2sql.errors import GuardError
from nl2sql.guard.access import apply_row_policy, check_access
from nl2sql.guard.context import Context, close_names, reject
from nl2sql.guard.policy import (
    ALLOWED_TABLE_FUNCTIONS,
    CASE_SENSITIVE_NAMES,
    MAX_CROSS_JOIN_TABLES,
    MAX_OUTPUT_COLUMNS,
    MAX_QUERY_NODES,
    MAX_SET_OPERATIONS,
    MAX_SIZE_ARGUMENT,
    QUERY_ROOTS,
    RESERVED_WORDS,
    SIZE_FUNCTIONS,
    WRITE_NODES,
    is_denied_function,
)
from nl2sql.guard.refs import stored_tables
from nl2sql.guard.resolve import Problem, output_names, resolve_columns, source_columns

__all__ = [
    "CHECKS",
    "Check",
    "check_size",
    "check_columns",
    "check_cross_joins",
    "check_functions",
    "check_output_width",
    "check_query_root",
    "check_read_only",
    "check_tables",
    "inject_limit",
    "parse_statement",
    "quote_identifiers",
    "strip_comments",
]

Check = Callable[[exp.Expr, Context], exp.Expr]

# Schemas a catalog table with no schema of its own may be qualified with.
_DEFAULT_SCHEMAS = frozenset({"main", "public"})
_KEYWORDS: dict[type[exp.Expr], str] = {
    exp.Into: "SELECT ... INTO",
    exp.Lock: "FOR UPDATE/SHARE",
    exp.TruncateTable: "TRUNCATE",
    exp.SetItem: "SET",
    exp.Returning: "RETURNING",
    exp.NextValueFor: "NEXT VALUE FOR",
}


def parse_statement(sql: str, ctx: Context) -> exp.Expr:
    """Parse `sql` into exactly one statement; a trailing `;` or comment is fine."""
    if "\x00" in sql:
        raise reject("syntax_error", "SQL must not contain NUL characters.")
    try:
        statements = [s for s in sqlglot.parse(sql, read=ctx.read) if s is not None]
    except ParseError as e:
        raise _syntax_error(e) from None
    except TokenError as e:
        raise reject("syntax_error", f"SQL syntax error: {e}") from None
    if not statements:
        raise reject("empty", "No SQL statement given.")
    if len(statements) > 1:
        second = _keyword(statements[1])
        raise reject(
            "multiple_statements",
            f"Exactly one statement is allowed; got {len(statements)} "
            f"(the second is {second}).",
            keyword=second,
        )
    return statements[0]


def _syntax_error(e: ParseError) -> GuardError:
    first = e.errors[0] if e.errors else {}
    line, col = first.get("line"), first.get("col")
    desc = first.get("description") or str(e)
    near = first.get("highlight")
    where = f" at line {line}, column {col}" if line else ""
    msg = f"SQL syntax error{where}: {desc}" + (f" near {near!r}." if near else ".")
    return reject("syntax_error", msg, line=line, col=col, near=near)


def _keyword(node: exp.Expr) -> str:
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    for cls, word in _KEYWORDS.items():
        if isinstance(node, cls):
            return word
    return node.key.upper()


def check_query_root(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """The statement is a SELECT or a set operation (each possibly with WITH)."""
    while _is_bare_parens(tree):
        tree = tree.this.pop()
    if isinstance(tree, QUERY_ROOTS) or (
        isinstance(tree, exp.Subquery) and isinstance(tree.unnest(), QUERY_ROOTS)
    ):
        return tree
    word = _keyword(tree)
    if isinstance(tree, WRITE_NODES):
        raise reject(
            "not_read_only",
            f"{word} statements are not allowed: only read-only SELECT queries may run.",
            keyword=word,
        )
    raise reject("not_a_query", f"{word} is not a query: only SELECT queries may run.", keyword=word)


def check_size(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Bounded work before any deeper check: node and set-operation counts, and no
    function asked to build a giant value or series (repeat('x', 1e9), zeroblob(1e9))."""
    nodes = []  # one walk, in find_all's order, serves all three counts
    for node in tree.walk():
        nodes.append(node)
        if len(nodes) > MAX_QUERY_NODES:
            raise reject("too_complex", f"The query has more than {MAX_QUERY_NODES} parts.")
    set_ops = sum(1 for node in nodes if isinstance(node, exp.SetOperation))
    if set_ops > MAX_SET_OPERATIONS:
        raise reject("too_complex",
                     f"The query combines {set_ops + 1} SELECTs; at most "
                     f"{MAX_SET_OPERATIONS + 1} are allowed.")
    for func in (node for node in nodes if isinstance(node, exp.Func)):
        name = _func_name(func).lower()
        if name not in SIZE_FUNCTIONS:
            continue
        for arg in func.find_all(exp.Literal):
            if not arg.is_string and _number(arg.this) > MAX_SIZE_ARGUMENT:
                raise reject("too_expensive",
                             f"{name}() with {arg.this} would build a value or series too "
                             f"large to return (limit {MAX_SIZE_ARGUMENT:,}).", keyword=name)
    return tree


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def check_projections(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Every SELECT selects something (`SELECT` alone parses, then fails in the database)."""
    for select in tree.find_all(exp.Select):
        if not select.expressions:
            raise reject("syntax_error", "SELECT has no columns to select.",
                         **_position(select))
    return tree


def _is_bare_parens(tree: exp.Expr) -> bool:
    return isinstance(tree, exp.Subquery) and not any(
        v for k, v in tree.args.items() if k != "this"
    )


def check_read_only(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """No writes, DDL, session or file-system statements anywhere in the tree."""
    for node in tree.walk():
        if _writes(type(node)):
            word = _keyword(node)
            raise reject(
                "not_read_only",
                f"{word} is not allowed inside a query: only read-only SELECT queries may run.",
                keyword=word,
                **_position(node),
            )
    return tree


# Node type -> whether it is one of WRITE_NODES: an isinstance over that long tuple for every
# node of every query costs more than the rest of the read-only walk.
_WRITE_TYPES: dict[type[exp.Expr], bool] = {}


def _writes(kind: type[exp.Expr]) -> bool:
    known = _WRITE_TYPES.get(kind)
    if known is None:
        known = _WRITE_TYPES[kind] = issubclass(kind, WRITE_NODES)
    return known


def check_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """No denied functions anywhere, and only row generators as table functions."""
    nodes = list(tree.walk())  # one walk for both loops, each in find_all's order
    for func in (node for node in nodes if isinstance(node, exp.Func)):
        name = _func_name(func)
        if is_denied_function(name, ctx.dialects):
            raise reject(
                "denied_function",
                f"Function {name}() is not allowed: it can read files, sleep, or change state.",
                identifier=name,
                **_position(func),
            )
    for source in (node for node in nodes if isinstance(node, (exp.Table, exp.Lateral))):
        if not isinstance(source.this, (exp.Identifier, exp.Query)):
            _check_table_function(source)
    return tree


def _check_table_function(source: exp.Expr) -> None:
    func = source.this if isinstance(source.this, exp.Func) else source.this.find(exp.Func)
    name = _func_name(func) if func is not None else source.this.sql()
    if func is None or name not in ALLOWED_TABLE_FUNCTIONS:
        raise reject(
            "denied_function",
            f"Table function {name}() is not allowed in FROM; query catalog tables instead.",
            identifier=name,
            **_position(func or source),
        )


def _func_name(func: exp.Func) -> str:
    if isinstance(func, exp.Anonymous):
        return func.name.lower()
    return func.sql_name().lower()


def check_tables(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Every table named is a catalog table (or a CTE in scope); spell it as the catalog does."""
    renamed = False
    for table in stored_tables(tree):
        entry = ctx.index.tables.get(table.name.lower())
        if entry is None or not _schema_ok(table, entry):
            raise _unknown_table(table, ctx)
        renamed |= _canonical_table(table, entry, ctx)
    if renamed and "catalog spelling" not in ctx.applied:
        ctx.applied.append("catalog spelling")
    return tree


def _schema_ok(table: exp.Table, entry: Table) -> bool:
    if table.args.get("catalog"):
        return False
    db = table.db.lower()
    if not db:
        return True
    return db == entry.schema.lower() if entry.schema else db in _DEFAULT_SCHEMAS


def _unknown_table(table: exp.Table, ctx: Context) -> GuardError:
    name = ".".join(p.name for p in table.parts)
    names = [t.name for t in ctx.index.tables.values()]
    close = close_names(table.name, names)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    return reject(
        "unknown_table",
        f"Unknown table {name!r}: it is not in the catalog of this database.{hint}",
        identifier=name,
        suggestions=close,
        **_position(table.this),
    )


def _canonical_table(table: exp.Table, entry: Table, ctx: Context) -> bool:
    if "table" not in CASE_SENSITIVE_NAMES.get(ctx.dialect, ()):
        return False
    return _respell(table.this, entry.name, ctx)


def _respell(ident: exp.Identifier, real: str, ctx: Context) -> bool:
    """Spell `ident` as the catalog does, as the target reads it; True if it changed."""
    folds = ctx.dialect == "postgres"  # unquoted names fold to lower case there
    seen = ident.name.lower() if folds and not ident.quoted else ident.name
    if seen == real:
        return False
    ident.set("this", real)
    ident.set("quoted", ident.quoted or (folds and real != real.lower()))
    return True


def check_columns(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Every column resolves to a table in scope, an alias or a CTE column.

    Our scope walk runs first (it is cheaper, and its errors carry suggestions); when it
    objects, sqlglot's `qualify` gets a second opinion, and a query it can fully resolve
    is accepted after all, so neither resolver's blind spots reject valid SQL.
    """
    try:
        res = resolve_columns(tree, ctx)
    except (SqlglotError, RecursionError):
        return tree  # cannot analyse the scopes; the database has the last word
    if res.problems:
        if _qualifies(tree, ctx):
            return tree
        raise _problem_error(res.problems[0])
    for col in res.strings:
        col.replace(exp.Literal.string(col.name))
    if res.strings:
        ctx.applied.append("double-quoted strings")
    if "column" in CASE_SENSITIVE_NAMES.get(ctx.dialect, ()):
        changed = [_respell(ident, real, ctx) for ident, real, _ in res.catalog_columns]
        if any(changed) and "catalog spelling" not in ctx.applied:
            ctx.applied.append("catalog spelling")
    return tree


def _qualifies(tree: exp.Expr, ctx: Context) -> bool:
    schema = ctx.index.schema(ctx.read)
    if schema is None:
        return False
    try:
        qualify(
            tree.copy(), dialect=ctx.read, schema=schema, validate_qualify_columns=True,
            quote_identifiers=False, identify=False, expand_stars=False,
        )
    except Exception:  # noqa: BLE001 - any optimizer failure just means "resolve it ourselves"
        return False
    return True


def _problem_error(p: Problem) -> GuardError:
    line, col = p.position
    return reject(
        p.reason, p.message, identifier=p.identifier, suggestions=list(p.suggestions),
        tables_with_column=list(p.tables_with_column) or None,
        line=line or None, col=col or None,
    )


def check_cross_joins(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """No SELECT multiplies more than MAX_CROSS_JOIN_TABLES unjoined pieces."""
    for select in tree.find_all(exp.Select):
        sources = _from_sources(select)
        if len(sources) <= MAX_CROSS_JOIN_TABLES:
            continue
        pieces = _unjoined_pieces(select, sources, ctx)
        if pieces > MAX_CROSS_JOIN_TABLES:
            raise reject(
                "cross_join",
                f"This query cross joins {pieces} tables with no join condition between them "
                f"(at most {MAX_CROSS_JOIN_TABLES}); add ON/WHERE conditions that link them.",
                tables=list(sources),
            )
    return tree


def _from_sources(select: exp.Select) -> dict[str, exp.Expr]:
    nodes = [select.args["from_"].this] if select.args.get("from_") else []
    nodes += [j.this for j in select.args.get("joins") or []]
    return {(n.alias_or_name or f"_{i}").lower(): n for i, n in enumerate(nodes)}


def _unjoined_pieces(select: exp.Select, sources: dict[str, exp.Expr], ctx: Context) -> int:
    parent = {a: a for a in sources}

    def find(a: str) -> str:
        while parent[a] != a:
            a = parent[a]
        return a

    def link(names: set[str]) -> None:
        roots = [find(n) for n in names]
        for r in roots[1:]:
            parent[r] = roots[0]

    columns = {a: _columns_of(n, ctx) for a, n in sources.items()}
    names = list(sources)
    for i, join in enumerate(select.args.get("joins") or [], start=1):
        if join.args.get("using") or join.method == "NATURAL":
            link(set(names[: i + 1]))
        if join.args.get("on") is not None:
            for cond in _conjuncts(join.args["on"]):
                link(_sources_of(cond, columns))
    if select.args.get("where") is not None:
        for cond in _conjuncts(select.args["where"].this):
            link(_sources_of(cond, columns))
    return len({find(a) for a in sources})


def _columns_of(node: exp.Expr, ctx: Context) -> set[str]:
    if isinstance(node, exp.Subquery):
        return set(output_names(node.this) or ())
    return set(source_columns(node, ctx.index) or ())


def _conjuncts(cond: exp.Expr) -> Iterator[exp.Expr]:
    yield from cond.flatten() if isinstance(cond, exp.And) else (cond,)


def _sources_of(cond: exp.Expr, columns: dict[str, set[str]]) -> set[str]:
    found = set()
    for col in cond.find_all(exp.Column):
        if col.table.lower() in columns:
            found.add(col.table.lower())
        elif not col.table:
            found.update(a for a, cols in columns.items() if col.name.lower() in cols)
    return found


def check_output_width(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """The result has at most MAX_OUTPUT_COLUMNS columns, stars expanded."""
    select = _leftmost_select(tree)
    if select is None or len(select.expressions) > MAX_OUTPUT_COLUMNS:
        width = len(select.expressions) if select is not None else 0
    elif not any(isinstance(e, exp.Star) or isinstance(e.this, exp.Star) for e in select.expressions):
        return tree
    else:
        try:
            scope = build_scope(tree)
        except SqlglotError:
            return tree
        width = _scope_width(scope, ctx) if scope is not None else 0
    if width > MAX_OUTPUT_COLUMNS:
        raise reject(
            "too_many_columns",
            f"The query returns {width} columns (at most {MAX_OUTPUT_COLUMNS}); "
            "select the columns you need instead of *.",
            columns=width,
        )
    return tree


def _leftmost_select(tree: exp.Expr) -> exp.Select | None:
    while isinstance(tree, (exp.SetOperation, exp.Subquery)):
        tree = tree.left if isinstance(tree, exp.SetOperation) else tree.this
    return tree if isinstance(tree, exp.Select) else None


def _scope_width(scope: Scope, ctx: Context) -> int:
    while scope.set_operation_scopes:
        scope = scope.set_operation_scopes[0]
    select = scope.expression
    if not isinstance(select, exp.Select):
        return 1
    sources = {a.lower(): src for a, (_, src) in scope.selected_sources.items()}
    total = 0
    for e in select.expressions:
        if isinstance(e, exp.Star):
            total += sum(_source_width(src, ctx) for src in sources.values())
        elif isinstance(e, exp.Column) and isinstance(e.this, exp.Star):
            src = sources.get(e.table.lower())
            total += _source_width(src, ctx) if src is not None else 1
        else:
            total += 1
    return total


def _source_width(src: exp.Expr | Scope, ctx: Context) -> int:
    if isinstance(src, Scope):
        return _scope_width(src, ctx)
    return len(source_columns(src, ctx.index) or ()) or 1


def inject_limit(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Cap the outermost query at max_rows + 1 rows so the caller can tell it was truncated."""
    if ctx.max_rows is None:
        return tree
    cap = ctx.max_rows + 1
    node = tree.args.get("limit")
    if node is None:
        tree.set("limit", exp.Limit(expression=exp.Literal.number(cap)))
        ctx.applied.append(f"limit {cap}")
        return tree
    current = _limit_count(node)
    if current is not None and current <= cap:
        return tree
    if current is not None or _is_unlimited(node):
        tree.set("limit", exp.Limit(expression=exp.Literal.number(cap)))
        ctx.applied.append(f"limit {cap}")
        return tree
    # A computed or percentage limit: cap the whole result from outside.
    ctx.applied.append(f"limit {cap} (wrapped)")
    assert isinstance(tree, exp.Query)  # check_query_root made sure
    return exp.select("*").from_(tree.subquery("_guarded")).limit(cap)


def _limit_count(node: exp.Expr) -> int | None:
    opts = node.args.get("limit_options")
    if opts is not None and (opts.args.get("percent") or opts.args.get("with_ties")):
        return None  # a share of the rows, or more rows than the count: not a count
    if isinstance(node, exp.Fetch):
        value = node.args.get("count")
        if value is None:
            return 1  # FETCH FIRST ROW ONLY
    else:
        value = node.expression
    if not isinstance(value, exp.Literal) or value.is_string:
        return None
    try:
        number = float(value.this)
    except ValueError:
        return None
    return int(number) if number >= 0 and number.is_integer() else None


def _is_unlimited(node: exp.Expr) -> bool:
    value = node.args.get("count") if isinstance(node, exp.Fetch) else node.expression
    # LIMIT ALL, LIMIT NULL and SQLite's LIMIT -1 all mean "no limit".
    return isinstance(value, (exp.Null, exp.Neg)) or (
        isinstance(value, exp.Var) and value.name.upper() == "ALL"
    )


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLAIN_LOWER = re.compile(r"[a-z_][a-z0-9_]*")


def quote_identifiers(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Quote names the target would misread unquoted: non-ASCII, spaces, reserved words."""
    changed = False
    for ident in tree.find_all(exp.Identifier):
        if ident.quoted:
            continue
        name = ident.name
        if ctx.dialect == "postgres":
            # Unquoted names fold to lower case there; quoting must keep that meaning.
            name = re.sub(r"[A-Z]+", lambda m: m.group().lower(), name)
            plain = _PLAIN_LOWER.fullmatch(name)
        else:
            plain = _PLAIN.fullmatch(name)
        if plain and name.lower() not in RESERVED_WORDS:
            continue
        ident.set("this", name)
        ident.set("quoted", True)
        changed = True
    if changed:
        ctx.applied.append("quoted identifiers")
    return tree


def strip_comments(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Drop comments: not needed to run, and a place to smuggle text past a reader."""
    for node in tree.walk():
        if node.comments:
            node.comments = None
    return tree


def _position(node: exp.Expr) -> dict[str, int]:
    meta = node.meta if node.meta else getattr(node.this, "meta", None) or {}
    return {k: meta[k] for k in ("line", "col") if k in meta}


CHECKS: tuple[Check, ...] = (
    check_size,
    check_query_root,
    check_projections,
    check_read_only,
    check_functions,
    check_tables,
    check_access,
    check_columns,
    check_cross_joins,
    check_output_width,
    apply_row_policy,
    inject_limit,
    quote_identifiers,
    strip_comments,
)
