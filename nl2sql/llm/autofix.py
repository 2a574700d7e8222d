"""Mechanical repair of the commonest small-model slip: a column written under the wrong
alias or spelled differently (T2.weight for T1.weight, pet_type for PetType). When the
guard's suggestions hold exactly one column of the same name (case, `_` and spaces aside),
the query is rewritten without another model round trip."""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from nl2sql.errors import GuardError

__all__ = ["fix_unknown_column"]


def fix_unknown_column(sql: str, error: GuardError, dialect: str) -> tuple[str, str] | None:
    """The query with the unknown column replaced, and the replacement; None when the
    error is not an unknown column with one same-named suggestion.

    >>> from nl2sql.errors import GuardError
    >>> e = GuardError("…", reason="unknown_column", identifier="T2.weight",
    ...                suggestions=["T1.weight", "T2.PetID"])
    >>> fix_unknown_column("SELECT T2.weight FROM pets AS T1 JOIN has_pet AS T2 ON 1 = 1",
    ...                    e, "sqlite")
    ('SELECT T1.weight FROM pets AS T1 JOIN has_pet AS T2 ON 1 = 1', 'T2.weight -> T1.weight')
    """
    details = error.details
    identifier = str(details.get("identifier") or "")
    if details.get("reason") != "unknown_column" or not identifier:
        return None
    qualifier, _, name = identifier.rpartition(".")
    same = [str(s) for s in details.get("suggestions") or ()
            if _key(str(s).rpartition(".")[2]) == _key(name)]
    if len(same) != 1:
        return None
    new_qualifier, _, new_name = same[0].rpartition(".")
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return None
    hits = [c for c in tree.find_all(exp.Column)
            if c.name.lower() == name.lower() and c.table.lower() == qualifier.lower()]
    for column in hits:
        column.replace(exp.column(new_name, table=new_qualifier or None))
    return (tree.sql(dialect=dialect), f"{identifier} -> {same[0]}") if hits else None


def _key(name: str) -> str:
    return name.lower().replace("_", "").replace(" ", "").strip('"`')
