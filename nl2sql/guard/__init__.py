"""The SQL guard: one statement, read-only, known names, safe functions, capped rows.

    >>> from nl2sql.catalog.model import Catalog, Column, Table
    >>> cat = Catalog("duckdb", (Table("t", (Column("a", "int"),)),))
    >>> guard("SELECT a FROM t", cat, dialect="duckdb", max_rows=100).applied
    ('limit 101',)

Every rejection is a GuardError whose `details["reason"]` is one of the codes listed in
nl2sql.guard.checks; unknown names carry `suggestions`, syntax errors `line`/`col`.
"""

from __future__ import annotations

from nl2sql.guard.checks import CHECKS, Check
from nl2sql.guard.context import Context
from nl2sql.guard.core import Checked, guard

__all__ = ["CHECKS", "Check", "Checked", "Context", "guard"]
