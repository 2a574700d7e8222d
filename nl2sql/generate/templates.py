"""Question skeletons and plan templates: the shared vocabulary of tiers 0 and 1.

A linked question becomes a *skeleton*: each linked span replaced by its kind
(``<col:number>``, ``<val>``, ``<num>``, ``<date>``, ``<tab>``). A plan becomes a *template*
by the same move: every table, column, value, number and date the question mentions turns
into a slot naming that mention (§C2 is the third column mention, §V0 the first value, §T1
a table group). `fill` puts another question's mentions into a template's slots.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from nl2sql.catalog.model import Catalog
from nl2sql.generate.plan import ColRef, Filter, Having, Measure, Order, QueryPlan
from nl2sql.link.schema_slice import ColumnLink, SchemaSlice, ValueLink

__all__ = ["MARK", "Slots", "canonical", "fill", "generalize", "instantiate", "post_order",
           "rewrite", "roles", "skeleton", "specialize", "tagged_words", "templatize"]

MARK = "§"  # placeholders are strings starting with it

@dataclass(frozen=True)
class Slots:
    """A question's mentions in order of position; spans with several readings keep all.

    `spans` holds each mention's token span by kind: "C" columns, "V" values, "N" numbers,
    "D" dates, "M" table mentions (same order as the tuples).
    """

    columns: tuple[tuple[ColumnLink, ...], ...]
    values: tuple[tuple[ValueLink, ...], ...]
    numbers: tuple[float | int, ...]
    dates: tuple[tuple[dt.date, dt.date], ...]
    tables: tuple[tuple[str, ...], ...]
    spans: dict[str, tuple[tuple[int, int], ...]]
    named: dict[str, float]  # tables the question names, with their best mention score

    @classmethod
    def of(cls, s: SchemaSlice) -> Slots:
        columns = tuple(_by_span(s.columns, key=lambda c: -c.score))
        values = tuple(_by_span(s.values, key=lambda v: -v.score))
        numbers = sorted(s.numbers, key=lambda n: n.start)
        dates = sorted(s.dates, key=lambda d: d.start)
        tables = tuple(_by_span(s.table_mentions, key=lambda t: -t.score))
        return cls(
            columns, values, tuple(n.value for n in numbers),
            tuple((d.low, d.high) for d in dates),
            tuple(tuple(t.table for t in g) for g in tables),
            {"C": tuple((g[0].start, g[0].end) for g in columns),
             "V": tuple((g[0].start, g[0].end) for g in values),
             "N": tuple((n.start, n.end) for n in numbers),
             "D": tuple((d.start, d.end) for d in dates),
             "M": tuple((g[0].start, g[0].end) for g in tables)},
            {t: max(m.score for m in s.table_mentions if m.table == t)
             for t in {m.table for m in s.table_mentions}},
        )


def _by_span(links: Iterable[Any], key: Any) -> Iterator[tuple[Any, ...]]:
    spans: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for link in links:
        spans[(link.start, link.end)].append(link)
    for span in sorted(spans):
        yield tuple(sorted(spans[span], key=key))


def tagged_words(s: SchemaSlice, catalog: Catalog) -> list[str]:
    """One word per token: its matching key, or at a linked span's first token the span's
    kind and "" for the rest of the span."""
    tags: dict[int, str] = {}
    spans: list[tuple[int, int, str]] = []
    spans += [(v.start, v.end, "<val>") for v in s.values]
    spans += [(d.start, d.end, "<date>") for d in s.dates]
    spans += [(n.start, n.end, "<num>") for n in s.numbers]
    spans += [(c.start, c.end, f"<col:{_type_of(c, catalog)}>")
              for c in s.columns if c.score >= 0.5]
    spans += [(t.start, t.end, "<tab>") for t in s.table_mentions]
    for start, end, tag in spans:  # first kind listed wins a token
        if all(i not in tags for i in range(start, end)):
            for i in range(start, end):
                tags[i] = "" if i > start else tag
    return [tags.get(i, tok.key) for i, tok in enumerate(s.tokens)]


def skeleton(s: SchemaSlice, catalog: Catalog) -> str:
    """The question with each linked span replaced by its kind, as space-joined words."""
    return " ".join(w for w in tagged_words(s, catalog) if w)


def _type_of(c: ColumnLink, catalog: Catalog) -> str:
    table = catalog.table(c.table)
    column = table.column(c.column) if table else None
    return column.type_class if column else "any"


# --- templates: plans with slots ------------------------------------------------------------

def templatize(plan: QueryPlan, slots: Slots) -> QueryPlan | None:
    """The plan with every mentioned table/column/value/number/date replaced by a slot.

    None when a literal the plan filters on (a value or number) was not linked: such a
    plan cannot be reused for another question faithfully.
    """
    groups: dict[str, str] = {}  # real table -> §Tn, for tables the question mentions

    def mentioned(table: str) -> bool:
        return (any(c.table == table for span in slots.columns for c in span)
                or any(v.table == table for span in slots.values for v in span)
                or any(table in span for span in slots.tables))

    def group(table: str) -> str:
        if table.startswith(MARK) or not mentioned(table):
            return table
        return groups.setdefault(table, f"{MARK}T{len(groups)}")

    def column(ref: ColRef) -> ColRef:
        # A value's own column first: it pins the table the value was found in.
        for i, vspan in enumerate(slots.values):
            if any(v.table == ref.table and v.column == ref.column for v in vspan):
                return ColRef(group(ref.table), f"{MARK}V{i}")
        for i, span in enumerate(slots.columns):
            if any(c.table == ref.table and c.column == ref.column for c in span):
                return ColRef(group(ref.table), f"{MARK}C{i}")
        return ColRef(group(ref.table), ref.column)

    def literal(value: Any) -> Any:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, tuple):
            return tuple(literal(v) for v in value)
        if isinstance(value, dt.date):
            for i, (low, high) in enumerate(slots.dates):
                if value == low:
                    return f"{MARK}D{i}L"
                if value == high:
                    return f"{MARK}D{i}H"
            raise _Unlinked
        if isinstance(value, int | float):
            for i, n in enumerate(slots.numbers):
                if float(n) == float(value):
                    return f"{MARK}N{i}"
            raise _Unlinked
        for i, vspan in enumerate(slots.values):
            if any(str(v.value) == str(value) for v in vspan):
                return f"{MARK}V{i}"
        raise _Unlinked

    try:
        return rewrite(plan, column, literal, group)
    except _Unlinked:
        return None


class _Unlinked(Exception):
    """A plan literal that the question's links do not explain."""


def rewrite(node: Any, column: Any, literal: Any, table: Any) -> Any:
    """Walk a plan: ColRefs through `column`, filter/having values and the limit through
    `literal`, base tables (of nested plans too) through `table`."""
    if isinstance(node, ColRef):
        return column(node)
    if isinstance(node, tuple):
        return tuple(rewrite(n, column, literal, table) for n in node)
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return node
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(node, QueryPlan) and f.name == "base":
            changes[f.name] = table(value)
        elif f.name == "value" or (isinstance(node, QueryPlan) and f.name == "limit"
                                   and value not in (None, 1)):
            changes[f.name] = literal(value)
        else:
            changes[f.name] = rewrite(value, column, literal, table)
    return dataclasses.replace(node, **changes)


def fill(template: QueryPlan, slots: Slots, catalog: Catalog) -> QueryPlan | None:
    """The template with this question's mentions in its slots, or None if they don't fit."""
    need: dict[str, list[tuple[str, int | str]]] = defaultdict(list)

    def note(ref: ColRef) -> ColRef:
        if ref.table.startswith(MARK):
            need[ref.table].append((ref.column[len(MARK)] if ref.column.startswith(MARK)
                                    else "lit", _index(ref.column) if ref.column.startswith(MARK)
                                    else ref.column))
        return ref

    def base(name: str) -> str:
        if name.startswith(MARK):
            need.setdefault(name, [])
        return name

    rewrite(template, note, lambda v: v, base)
    tables = _bind_tables(need, slots, catalog)
    if tables is None:
        return None

    def column(ref: ColRef) -> ColRef:
        table = tables.get(ref.table, ref.table)
        if not ref.column.startswith(MARK):
            return ColRef(table, ref.column)
        kind, i = ref.column[len(MARK)], _index(ref.column)
        span = slots.columns[i] if kind == "C" else slots.values[i]
        return ColRef(table, next(c.column for c in span if c.table == table))

    def literal(value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(literal(v) for v in value)
        if not isinstance(value, str) or not value.startswith(MARK):
            return value
        kind, i = value[len(MARK)], _index(value)
        if kind == "N":
            return slots.numbers[i] if i < len(slots.numbers) else _missing()
        if kind == "D":
            if i >= len(slots.dates):
                return _missing()
            return slots.dates[i][0 if value.endswith("L") else 1]
        if kind == "V":
            return slots.values[i][0].value if i < len(slots.values) else _missing()
        return value

    try:
        return rewrite(template, column, literal,
                        lambda name: tables.get(name, name))
    except (_Unlinked, StopIteration, IndexError):
        return None


def _missing() -> Any:
    raise _Unlinked


def _index(placeholder: str) -> int:
    digits = "".join(ch for ch in placeholder[len(MARK) + 1:] if ch.isdigit())
    return int(digits)


def _bind_tables(need: dict[str, list[tuple[str, int | str]]], slots: Slots,
                 catalog: Catalog) -> dict[str, str] | None:
    """Distinct real tables for the table groups, each holding every column its slots
    need, with the best total link score; a table the question names scores higher."""
    named = slots.named
    options: dict[str, dict[str, float]] = {}
    for group, wants in need.items():
        scores: dict[str, float] | None = None
        for kind, ref in wants:
            found = _options(kind, ref, slots, catalog)
            if found is None:
                return None
            scores = found if scores is None else {
                t: s + found[t] for t, s in scores.items() if t in found}
        if scores is None:  # a group only counted or joined: a table the question names
            scores = dict.fromkeys(named, 0.0)
        scores = {t: s + 0.5 * named.get(t, 0.0) for t, s in scores.items()}
        if not scores:
            return None
        options[group] = dict(sorted(scores.items(), key=lambda kv: -kv[1])[:4])
    best: tuple[float, dict[str, str]] | None = None
    for choice in itertools.product(*(options[g].items() for g in options)):
        tables = [t for t, _ in choice]
        if len(set(tables)) == len(tables):
            total = sum(score for _, score in choice)
            if best is None or total > best[0]:
                best = (total, dict(zip(options, tables, strict=True)))
    return best[1] if best else None


def _options(kind: str, ref: int | str, slots: Slots,
             catalog: Catalog) -> dict[str, float] | None:
    """Tables that can hold one slot, with the link's score; None if the slot is missing."""
    if kind == "lit":
        return {t.name: 0.0 for t in catalog.tables if t.column(str(ref))}
    spans: tuple[tuple[Any, ...], ...] = {"C": slots.columns, "V": slots.values}.get(kind, ())
    i = int(ref)
    if i >= len(spans):
        return None
    return {link.table: link.score for link in spans[i]}


# --- shapes: templates with the question's own mention numbers taken out --------------------

def canonical(template: QueryPlan) -> QueryPlan:
    """The template's *shape*: slots renumbered per kind in order of first appearance
    (§C3, §C1 -> §C0, §C1), so questions worded in another order share it."""
    seen: dict[str, str] = {}

    def rename(placeholder: str) -> str:
        if not placeholder.startswith(MARK):
            return placeholder
        key, suffix = placeholder.rstrip("LH"), placeholder[len(placeholder.rstrip("LH")):]
        kind = key[len(MARK)]
        if key not in seen:
            seen[key] = f"{MARK}{kind}{sum(1 for k in seen if k[len(MARK)] == kind)}"
        return seen[key] + suffix

    return rewrite(template, lambda ref: ColRef(rename(ref.table), rename(ref.column)),
                   lambda v: tuple(rename(x) if isinstance(x, str) else x for x in v)
                   if isinstance(v, tuple) else rename(v) if isinstance(v, str) else v,
                   rename)


def instantiate(shape: QueryPlan, mentions: dict[str, int]) -> QueryPlan:
    """The shape with each canonical slot (§C0, §N1, ...) naming the question's mention
    chosen for it (`mentions` maps "§C0" to a column-mention index)."""
    def rename(placeholder: str) -> str:
        if not placeholder.startswith(MARK) or placeholder[len(MARK)] == "T":
            return placeholder
        key = placeholder.rstrip("LH")
        return f"{key[:len(MARK) + 1]}{mentions[key]}{placeholder[len(key):]}"

    return rewrite(shape, lambda ref: ColRef(ref.table, rename(ref.column)),
                   lambda v: tuple(rename(x) if isinstance(x, str) else x for x in v)
                   if isinstance(v, tuple) else rename(v) if isinstance(v, str) else v,
                   lambda name: name)


def roles(plan: QueryPlan, where: str = "") -> dict[str, str]:
    """What each slot of a shape does, e.g. {"§C0": "group+sel", "§N0": "value:>"}: the
    label the mention classifier learns for the mention put in that slot."""
    found: dict[str, set[str]] = defaultdict(set)

    def put(value: Any, role: str) -> None:
        if isinstance(value, tuple):
            for v in value:
                put(v, role)
        elif isinstance(value, str) and value.startswith(MARK):
            found[value.rstrip("LH")].add(where + role)

    def measure(m: Any, role: str) -> None:
        if m.col is not None:
            put(m.col.column, f"{role}:{m.agg or 'col'}{'/distinct' if m.distinct else ''}")
        if m.where is not None:
            condition(m.where, f"{role}:share")

    def condition(f: Any, role: str) -> None:
        put(f.col.column, f"{role}:{f.op}")
        put(f.value, f"{role}value:{f.op}")
        if f.subquery is not None:
            for k, v in roles(f.subquery, f"{where}sub:").items():
                found[k].add(v)

    for m in plan.select:
        measure(m, "sel")
    for f in plan.filters:
        condition(f, "where")
    for g in plan.group_by:
        put(g.column, "group")
    for o in plan.order_by:
        measure(o.measure, "desc" if o.desc else "asc")
    for h in plan.having:
        measure(h.measure, "having")
        put(h.value, f"havingvalue:{h.op}")
    if plan.latest is not None:
        put(plan.latest.column, "latest")
    put(plan.limit, "limit")
    if plan.other is not None:
        for k, v in roles(plan.other, f"{where}{plan.set_op}:").items():
            found[k].add(v)
    return {k: "+".join(sorted(v)) for k, v in found.items()}


# --- details: the choices a shape leaves to the words around its mentions ------------------

_AGGS = frozenset({"sum", "avg", "min", "max"})
_CMPS = frozenset({">", "<", ">=", "<="})
DETAILS = {"agg": tuple(sorted(_AGGS)), "cmp": tuple(sorted(_CMPS)), "dir": (False, True)}


def generalize(plan: QueryPlan) -> tuple[QueryPlan, tuple[tuple[str, Any], ...]]:
    """The plan with its aggregate functions, comparison operators and sort directions
    taken out (as "agg", "cmp", False), and the (kind, choice) pairs taken, in walk order.
    Questions that differ only in "highest" vs "lowest" then share one shape."""
    taken: list[tuple[str, Any]] = []

    def visit(node: Any, changes: dict[str, Any]) -> None:
        if isinstance(node, Measure) and node.agg in _AGGS and node.col is not None:
            taken.append(("agg", node.agg))
            changes["agg"] = "agg"
        elif isinstance(node, Filter | Having) and node.op in _CMPS:
            taken.append(("cmp", node.op))
            changes["op"] = "cmp"
        elif isinstance(node, Order):
            taken.append(("dir", node.desc))
            changes["desc"] = False

    return post_order(plan, visit), tuple(taken)


def specialize(shape: QueryPlan, choices: Iterable[Any]) -> QueryPlan:
    """`generalize` undone: the shape with these choices put back, in walk order."""
    pending = iter(choices)

    def visit(node: Any, changes: dict[str, Any]) -> None:
        if isinstance(node, Measure) and node.agg == "agg":
            changes["agg"] = next(pending)
        elif isinstance(node, Filter | Having) and node.op == "cmp":
            changes["op"] = next(pending)
        elif isinstance(node, Order):
            changes["desc"] = next(pending)

    return post_order(shape, visit)


def post_order(node: Any, visit: Any) -> Any:
    """A copy of a plan, children first, each node's new field values passed to
    `visit(node, changes)` to adjust before the node is rebuilt."""
    if isinstance(node, tuple):
        return tuple(post_order(n, visit) for n in node)
    if not dataclasses.is_dataclass(node) or isinstance(node, type):
        return node
    changes = {f.name: post_order(getattr(node, f.name), visit) for f in dataclasses.fields(node)}
    visit(node, changes)
    return dataclasses.replace(node, **changes)
