"""Render tables compactly for a prompt: CREATE TABLE-like, typed columns, comments, example
values, keys and join hints. One renderer for both the gateway prompt and the naive baseline;
what it includes is a `SchemaStyle`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nl2sql.catalog.model import Catalog, Column, Table
from nl2sql.catalog.relations import join_edges
from nl2sql.link.schema_slice import SchemaSlice

__all__ = ["FULL", "PLAIN", "SchemaStyle", "render_schema", "slice_tables"]

_VALUE_CHARS = 30


@dataclass(frozen=True)
class SchemaStyle:
    comments: bool = True
    examples: int = 3     # example values per column; 0 for none
    join_hints: bool = True


FULL = SchemaStyle()
PLAIN = SchemaStyle(comments=False, examples=0, join_hints=False)  # DDL only: the baseline


def slice_tables(s: SchemaSlice, catalog: Catalog, k: int = 8) -> tuple[Table, ...]:
    """The tables a prompt shows for a linked question: the whole catalog when it is small,
    else the k best-linked tables plus any table that joins two of them (a bridge)."""
    if len(catalog.tables) <= k:
        return catalog.tables
    names = [t.table for t in s.tables[:k]]
    chosen = {n.lower() for n in names}
    partners: dict[str, set[str]] = {}
    for e in join_edges(catalog):
        a, b = e.table.lower(), e.ref_table.lower()
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    bridges = [t.name for t in catalog.tables if t.name.lower() not in chosen
               and len(partners.get(t.name.lower(), set()) & chosen) >= 2]
    found = (catalog.table(n) for n in (*names, *bridges))
    return tuple(t for t in found if t is not None)


def render_schema(catalog: Catalog, tables: Sequence[Table] | None = None,
                  style: SchemaStyle = FULL) -> str:
    """The tables as CREATE TABLE statements, one column a line.

    >>> from nl2sql.catalog.model import Catalog, Column, Table
    >>> t = Table("singer", (Column("id", "int", primary_key=True),
    ...                      Column("country", "text", samples=("France", "USA"))))
    >>> print(render_schema(Catalog("sqlite", (t,))))
    CREATE TABLE singer (
      id int PRIMARY KEY,
      country text -- e.g. 'France', 'USA'
    );
    """
    shown = tuple(tables if tables is not None else catalog.tables)
    blocks = [_table(t, style) for t in shown]
    if style.join_hints:
        hints = _join_hints(catalog, shown)
        if hints:
            blocks.append("-- join keys: " + "; ".join(hints))
    return "\n".join(blocks)


def _table(t: Table, style: SchemaStyle) -> str:
    head = f"CREATE TABLE {_name(t.name)} ("
    if style.comments and t.comment:
        head += f" -- {_one_line(t.comment)}"
    lines = [_column(c, t, style) for c in t.columns]
    lines += [f"FOREIGN KEY ({', '.join(map(_name, fk.columns))}) REFERENCES "
              f"{_name(fk.ref_table)}({', '.join(map(_name, fk.ref_columns))})"
              for fk in t.foreign_keys]
    body = [f"  {line}" for line in lines]
    # Commas go before a line's comment, so each is attached to its own column.
    for i in range(len(body) - 1):
        code, sep, note = body[i].partition(" -- ")
        body[i] = f"{code},{sep}{note}"
    return "\n".join([head, *body, ");"])


def _column(c: Column, t: Table, style: SchemaStyle) -> str:
    text = f"{_name(c.name)} {c.type or 'TEXT'}"
    if c.primary_key or (len(t.primary_key) == 1 and c.name in t.primary_key):
        text += " PRIMARY KEY"
    notes = []
    if style.comments and c.comment:
        notes.append(_one_line(c.comment))
    examples = _examples(c, style.examples)
    if examples:
        notes.append(("values: " if c.values and len(c.values) <= style.examples else "e.g. ")
                     + ", ".join(examples))
    return text + (f" -- {'; '.join(notes)}" if notes else "")


def _examples(c: Column, k: int) -> list[str]:
    if k <= 0:
        return []
    pool = c.values or c.samples
    out = []
    for v in pool[:k]:
        v = v if len(v) <= _VALUE_CHARS else v[:_VALUE_CHARS] + "…"
        out.append(v if c.type_class in ("number", "boolean") else "'" + v.replace("'", "''") + "'")
    return out


def _join_hints(catalog: Catalog, shown: Iterable[Table]) -> list[str]:
    """Join keys between shown tables that no FOREIGN KEY line already states."""
    names = {t.name.lower() for t in shown}
    declared = {(t.name.lower(), fk.ref_table.lower()) for t in shown for fk in t.foreign_keys}
    out = []
    for e in join_edges(catalog):
        a, b = e.table.lower(), e.ref_table.lower()
        if a in names and b in names and (a, b) not in declared:
            out.append(f"{e.table}.{e.column} = {e.ref_table}.{e.ref_column}")
    return out


def _name(name: str) -> str:
    """Quote names a model would otherwise mangle (spaces, punctuation, leading digits)."""
    return name if name.replace("_", "a").isalnum() and not name[0].isdigit() else f'"{name}"'


def _one_line(text: str) -> str:
    return " ".join(text.split())
