"""Who may read what: table and column allowlists, and tenant row predicates.

An `Access` travels with the caller (from its API key and role). Two checks enforce it:

- `check_access` names the first table or column the caller may not read (reasons
  `table_not_allowed`, `column_not_allowed`), so a person sees what to change;
- `apply_row_policy` then replaces every reference to a restricted table by a subquery that
  selects only the allowed columns and only the tenant's rows, aliased to the same name:

      FROM orders AS o   ->   FROM (SELECT * FROM orders WHERE account_id = 1001 OFFSET 0) AS o

  Whatever the query does around it (OR, outer joins, set operations, subqueries, a CTE
  shadowing the name) cannot reach other rows or hidden columns: the database itself no
  longer sees them. `SELECT *` over a table with hidden columns therefore returns the allowed
  columns only. OFFSET 0 keeps PostgreSQL's and DuckDB's planners from moving the caller's
  predicates below the tenant filter, where an error message could quote another tenant's row.

With a tenant, a table is readable only if it has the tenant column (and is filtered) or is
listed as `shared` (reference data such as securities or prices); any other table holds rows
of every tenant with no column to limit them, so it is rejected.

Configuration (JSON, with the API keys; see nl2sql.service.auth):

    {"tables": ["securities", "position"],              # allowlist; absent: every table
     "columns": {"customer": ["customer_id", "city"]},  # per table; absent: every column
     "tenant": {"column": "account_id",                  # or {"table": "column", ...}
                "value": 88000001,                       # or "values": [..]
                "shared": ["securities", "daily_bar"]}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from nl2sql.catalog.model import Table
from nl2sql.errors import ConfigError
from nl2sql.guard.context import Context, reject
from nl2sql.guard.policy import PLANNER_FENCE_DIALECTS
from nl2sql.guard.refs import stored_tables
from nl2sql.guard.resolve import resolve_columns

__all__ = ["Access", "Tenant", "apply_row_policy", "check_access"]

Value = str | int | float


@dataclass(frozen=True)
class Tenant:
    """Rows of one tenant: `column` in every table having it, or a column per table."""

    column: str | None = None  # lower case
    tables: Mapping[str, str] = field(default_factory=dict)  # table (lower) -> column (lower)
    values: tuple[Value, ...] = ()
    shared: frozenset[str] = frozenset()  # tables without tenant rows, readable as they are

    def column_of(self, table: Table) -> str | None:
        """The real name of `table`'s tenant column, or None if it has none."""
        wanted = self.tables.get(table.name.lower(), self.column)
        return next((c.name for c in table.columns if c.name.lower() == wanted), None)

    @classmethod
    def parse(cls, spec: Any, where: str) -> Tenant:
        _fields(spec, {"column", "value", "values", "shared"}, where)
        col = spec.get("column")
        if isinstance(col, str) and col:
            column, tables = col.lower(), {}
        elif isinstance(col, Mapping) and col and all(
                isinstance(v, str) and v for v in col.values()):
            column, tables = None, {str(k).lower(): v.lower() for k, v in col.items()}
        else:
            raise ConfigError(f"{where}: tenant column must be a name or a non-empty "
                              f"{{table: column}} object, got {col!r}")
        values = spec["values"] if "values" in spec else [spec.get("value")]
        if (not isinstance(values, list) or not values
                or not all(isinstance(v, Value) and not isinstance(v, bool) for v in values)):
            raise ConfigError(f"{where}: tenant value(s) must be strings or numbers, "
                              f"got {values!r}")
        return cls(column, tables, tuple(values), _names(spec.get("shared", []), where))


@dataclass(frozen=True)
class Access:
    """What one caller may read; the default reads everything."""

    tables: frozenset[str] | None = None  # lower-case names; None: every table
    columns: Mapping[str, frozenset[str]] = field(default_factory=dict)  # table -> columns
    tenant: Tenant | None = None

    @property
    def unrestricted(self) -> bool:
        return self.tables is None and not self.columns and self.tenant is None

    @classmethod
    def parse(cls, spec: Any, where: str, *, tenant: bool = True) -> Access:
        """From configuration; `tenant=False` where no tenant may be given (a role)."""
        _fields(spec, {"tables", "columns", "tenant"} if tenant else {"tables", "columns"},
                where)
        tables = _names(spec["tables"], where) if "tables" in spec else None
        cols = spec.get("columns", {})
        if not isinstance(cols, Mapping):
            raise ConfigError(f"{where}: columns must be an object {{table: [column, ...]}}")
        columns = {str(t).lower(): _names(c, where) for t, c in cols.items()}
        who = spec.get("tenant")
        return cls(tables, columns, Tenant.parse(who, where) if who is not None else None)

    def narrow(self, other: Access) -> Access:
        """What both allow: allowlists intersect, a tenant of either applies."""
        tables = (self.tables if other.tables is None else other.tables
                  if self.tables is None else self.tables & other.tables)
        columns = dict(self.columns)
        for t, cols in other.columns.items():
            columns[t] = columns[t] & cols if t in columns else cols
        return Access(tables, columns, self.tenant or other.tenant)


def _fields(spec: Any, known: set[str], where: str) -> None:
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{where}: expected an object, got {spec!r}")
    unknown = set(spec) - known
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}; known: {sorted(known)}")


def _names(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: expected a list of names, got {value!r}")
    return frozenset(v.lower() for v in value)


# ------------------------------------------------------------------------------- the checks


def check_access(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Every table and column the query reads is one this caller may read."""
    access = ctx.access
    if access is None or access.unrestricted:
        return tree
    entries = [entry for _, entry in _references(tree, ctx)]
    for entry in entries:
        _check_table(entry, access)
    if any(e.name.lower() in access.columns for e in entries):
        for ident, real, owner in resolve_columns(tree, ctx).catalog_columns:
            allowed = access.columns.get(owner.lower())
            if allowed is not None and real.lower() not in allowed:
                shown = ", ".join(sorted(allowed)) or "none"
                raise reject(
                    "column_not_allowed",
                    f"Column {owner}.{real} may not be read with this key; readable columns "
                    f"of {owner}: {shown}.",
                    identifier=f"{owner}.{real}", suggestions=sorted(allowed),
                    **{k: ident.meta[k] for k in ("line", "col") if k in ident.meta},
                )
    return tree


def _references(tree: exp.Expr, ctx: Context) -> Iterator[tuple[exp.Table, Table]]:
    """Stored-table references with their catalog entries (check_tables ran before)."""
    for table in stored_tables(tree):
        entry = ctx.index.tables.get(table.name.lower())
        if entry is not None:
            yield table, entry


def _check_table(entry: Table, access: Access) -> None:
    name = entry.name.lower()
    if access.tables is not None and name not in access.tables:
        raise reject(
            "table_not_allowed",
            f"Table {entry.name} may not be read with this key; readable tables: "
            f"{', '.join(sorted(access.tables)) or 'none'}.",
            identifier=entry.name, suggestions=sorted(access.tables),
        )
    if access.columns.get(name) == frozenset():
        raise reject("table_not_allowed",
                     f"Table {entry.name} may not be read with this key: none of its columns "
                     "is readable.", identifier=entry.name)
    tenant = access.tenant
    if tenant is not None and name not in tenant.shared and tenant.column_of(entry) is None:
        column = tenant.column or "tenant"
        raise reject(
            "table_not_allowed",
            f"Table {entry.name} may not be read with this key: it holds rows of every "
            f"{column.removesuffix('_id')} and has no {column} column to limit them to yours.",
            identifier=entry.name,
        )


def apply_row_policy(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Replace each restricted table reference by its filtered, narrowed subquery."""
    access = ctx.access
    if access is None or access.unrestricted:
        return tree
    wrapped: set[str] = set()
    for table, entry in list(_references(tree, ctx)):
        sub = _restricted(table, entry, access, ctx.dialect)
        if sub is None:
            continue
        if table.args.get("db") and not table.args.get("alias"):
            wrapped.add(table.name.lower())
        table.replace(sub)
        if f"row policy {entry.name}" not in ctx.applied:
            ctx.applied.append(f"row policy {entry.name}")
    if wrapped:
        _unqualify_columns(tree, wrapped)
    return tree


def _restricted(table: exp.Table, entry: Table, access: Access,
                dialect: str) -> exp.Subquery | None:
    allowed = access.columns.get(entry.name.lower())
    tenant = access.tenant
    column = tenant.column_of(entry) if tenant is not None else None
    if allowed is None and column is None:
        return None
    source = table.copy()
    moved = {k: source.args.pop(k, None) for k in ("alias", "pivots", "joins", "laterals")}
    projection: list[exp.Expr] = (
        [exp.Star()] if allowed is None else
        [exp.column(c.name, quoted=True) for c in entry.columns if c.name.lower() in allowed]
    )
    select = exp.Select(expressions=projection).from_(source, copy=False)
    if tenant is not None and column is not None:
        select = select.where(_tenant_predicate(column, tenant.values), copy=False)
        if dialect in PLANNER_FENCE_DIALECTS:
            select.set("offset", exp.Offset(expression=exp.Literal.number(0)))
    alias = moved["alias"] or exp.TableAlias(this=table.this.copy())
    return exp.Subquery(this=select, alias=alias, **{k: v for k, v in moved.items()
                                                      if v and k != "alias"})


def _tenant_predicate(column: str, values: tuple[Value, ...]) -> exp.Expr:
    target = exp.column(column, quoted=True)
    literals = [exp.Literal.string(v) if isinstance(v, str) else exp.Literal.number(v)
                for v in values]
    if len(literals) == 1:
        return exp.EQ(this=target, expression=literals[0])
    return exp.In(this=target, expressions=literals)


def _unqualify_columns(tree: exp.Expr, names: set[str]) -> None:
    """`main.orders.qty` -> `orders.qty` where `main.orders` became a subquery `orders`."""
    for col in tree.find_all(exp.Column):
        if col.args.get("db") is not None and col.table.lower() in names:
            col.set("db", None)
            col.set("catalog", None)
