"""The SQL guard: one statement, read-only, known names, safe functions, capped rows.

    >>> from nl2sql.catalog.model import Catalog, Column, Table
    >>> cat = Catalog("duckdb", (Table("t", (Column("a", "int"),)),))
    >>> guard("SELECT a FROM t", cat, dialect="duckdb", max_rows=100).applied
    ('limit 101',)

Every rejection is a GuardError whose `details["reason"]` is one of the codes listed in
nl2sql.guard.checks; unknown names carry `suggestions`, syntax errors `line`/`col`.
`access` (an `Access`: table/column allowlists, a tenant) limits what the caller may read;
see nl2sql.guard.access. The EXPLAIN cost check needs the backend, so it is a separate step
the pipeline runs after `guard`: nl2sql.guard.cost.
"""

from __future__ import annotations

from nl2sql.guard.access import Access, Tenant
from nl2sql.guard.checks import CHECKS, Check
from nl2sql.guard.context import Context
from nl2sql.guard.core import Checked, guard

__all__ = ["CHECKS", "Access", "Check", "Checked", "Context", "Tenant", "guard"]
