"""Join edges between tables: declared foreign keys, plus keys inferred from evidence.

Many analytical schemas declare no foreign keys. `join_edges` (used by the parser) takes a
column as a table's key when it is the declared single-column primary key or is named after
the table (`business_id` in `business`, `user_id` in `users`); a same-named column of the
same type class in another table then refers to it, between tables with no declared edge.

`infer_relationships` (run by introspection) goes further and scores each candidate with
evidence: the name (same name as the key, `<table>_id` for a key `id`, or `<role>_<key>`),
the type, whether the target is the canonical holder of that key (the table declared
foreign keys point to, named after the key, not a `_his`/`_bak`/`_2023` copy), the
profiled ranges and distinct counts, and, within a budget of bounded queries, the share of
sampled values found in the target. `relationships(catalog)` lists declared and inferred
keys together with their confidence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from nl2sql.backends.base import Backend
from nl2sql.catalog.model import Catalog, Column, Problem, Relationship, Table
from nl2sql.catalog.profile import quote_name
from nl2sql.errors import ExecutionError
from nl2sql.text import identifier_words, stem

__all__ = ["JoinEdge", "infer_relationships", "join_edges", "relationships"]

# Inferred keys below this confidence are dropped; per column at most _PER_COLUMN kept.
_MIN_CONFIDENCE = 0.4
_PER_COLUMN = 2
# Evidence queries: distinct values sampled per column, candidates per query.
_PROBE_VALUES = 100
_PROBE_ROWS = 2000
_PER_QUERY = 40
# A key held by many tables is scored against its likeliest masters only.
_SCORED = 12
# Names that say nothing of what they refer to: `id` in one table is not `id` in another.
_SHARED_ID_MAX = 12  # more tables sharing a column name than this: a hub, not a key
_GENERIC = frozenset({"id", "key", "code", "no", "uuid", "name"})
_COPY = re.compile(r"_(his|hist|history|bak|backup|tmp|temp|old|new|v\d+|\d{4}|\d{6}|\d{8})$",
                   re.IGNORECASE)


@dataclass(frozen=True)
class JoinEdge:
    table: str
    column: str
    ref_table: str
    ref_column: str
    declared: bool
    confidence: float = 1.0


def _key_columns(table: Table) -> set[str]:
    """Columns that identify the table's rows: a single-column primary key, or a column
    named after the table, raw, stemmed or by its initial (`paper_id` in paper,
    `keyphraseid` in keyphrase, `user_id` in users, `cid` in conference), also without a
    schema prefix (`customer_no` in `crm_customer` of schema crm)."""
    keys = set(table.primary_key) if len(table.primary_key) == 1 else set()
    words = identifier_words(table.name)
    prefix = identifier_words(table.schema) if table.schema else []
    if prefix and words[:len(prefix)] == prefix and len(words) > len(prefix):
        words = words[len(prefix):]
    if not words:
        return keys
    bases = {"".join(words), "".join(stem(w) for w in words), words[0][0]}
    names = {b + suffix for b in bases for suffix in ("id", "code", "no")}
    return keys | {c.name for c in table.columns if c.name.lower().replace("_", "") in names}


def _id_like(column: str) -> bool:
    """`aid`, `paper_id`, `city_code`, `order_no`, but not a bare `id` that every table has."""
    low = column.lower().replace("_", "")
    return low not in _GENERIC and low.endswith(("id", "code", "no", "key"))


@cache
def join_edges(catalog: Catalog) -> tuple[JoinEdge, ...]:
    """Every join edge of the catalog, in linear time: declared foreign keys first; then
    keys inferred from names between tables not yet linked (a key name that two tables
    claim proves nothing); then tables sharing a rare id-like column (`writes.aid`,
    `author.aid`) with no key direction known. Inferred edges carry the confidence
    `infer_relationships` gave them (0.5 where it did not score them)."""
    edges: list[JoinEdge] = []
    linked: set[frozenset[str]] = set()
    holders: dict[str, list[tuple[Table, Column]]] = defaultdict(list)
    for t in catalog.tables:
        for column in t.columns:
            holders[column.name.lower()].append((t, column))
        for fk in t.foreign_keys:
            ref = catalog.table(fk.ref_table)
            if ref is None:
                continue
            for c, rc in zip(fk.columns, fk.ref_columns, strict=False):
                edges.append(JoinEdge(t.name, c, ref.name, rc, True))
            linked.add(frozenset((t.name, ref.name)))
    scored = {(r.table, r.column, r.ref_table, r.ref_column): r.confidence
              for r in catalog.relationships}

    def add(t: Table, col: Column, ref: Table, key_col: Column) -> None:
        pair = frozenset((t.name, ref.name))
        if t is ref or pair in linked or col.type_class != key_col.type_class:
            return
        confidence = scored.get((t.name, col.name, ref.name, key_col.name), 0.5)
        edges.append(JoinEdge(t.name, col.name, ref.name, key_col.name, False, confidence))
        linked.add(pair)

    owners: dict[str, list[Table]] = defaultdict(list)
    for ref in catalog.tables:
        for key in _key_columns(ref):
            owners[key.lower()].append(ref)
    for key, claimants in owners.items():
        # Copies (`customer_his`, `customer_bak`) claim their master's key too.
        tables = [t for t in claimants if not _COPY.search(t.name)] or claimants
        if len(tables) == 1 and (key_col := tables[0].column(key)) is not None:
            for t, col in holders[key]:
                add(t, col, tables[0], key_col)
    for name, group in holders.items():
        if name not in owners and 1 < len(group) <= _SHARED_ID_MAX and _id_like(name):
            for i, (a, col_a) in enumerate(group):
                for b, col_b in group[i + 1:]:
                    add(a, col_a, b, col_b)
    return tuple(edges)


def relationships(catalog: Catalog, min_confidence: float = 0.0) -> tuple[Relationship, ...]:
    """Declared foreign keys (confidence 1) and the catalog's inferred keys, best first."""
    declared = [
        Relationship(t.name, c, fk.ref_table, rc, 1.0, True, ("declared foreign key",))
        for t in catalog.tables for fk in t.foreign_keys
        for c, rc in zip(fk.columns, fk.ref_columns, strict=False)
    ]
    inferred = sorted((r for r in catalog.relationships if r.confidence >= min_confidence),
                      key=lambda r: -r.confidence)
    return tuple(declared + inferred)


# -- inference ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    table: Table
    column: Column
    ref: Table
    key: Column
    score: float
    evidence: tuple[str, ...]


def infer_relationships(
    catalog: Catalog,
    backend: Backend | None = None,
    *,
    previous: Catalog | None = None,
    changed: Iterable[str] | None = None,
    max_checks: int = 3000,
    timeout_ms: int = 5000,
    workers: int = 2,
) -> tuple[tuple[Relationship, ...], list[Problem]]:
    """Undeclared join keys with a confidence in [0, 1] and the evidence for it.

    With a backend, candidates are checked against the data (what share of up to 100
    distinct values of the column exist in the target key), at most `max_checks` of
    them: close calls between two targets first, then the best candidate of each column.
    With `previous` and `changed` (table names), pairs of unchanged tables keep their
    earlier evidence instead of being checked again.
    """
    kept, redo = _incremental(catalog, previous, changed)
    candidates = list(_candidates(catalog, redo))
    problems: list[Problem] = []
    overlap: dict[int, tuple[int, int]] = {}
    if backend is not None and max_checks > 0:
        todo = _check_order(candidates)[:max_checks]
        checked = _check(backend, [candidates[i] for i in todo], timeout_ms, workers, problems)
        overlap = {todo[j]: v for j, v in checked.items()}
    found = [_relationship(c, overlap.get(i)) for i, c in enumerate(candidates)]
    return kept + _best(found), problems


_Redo = Callable[[Table, Column], bool]


def _incremental(catalog: Catalog, previous: Catalog | None, changed: Iterable[str] | None
                 ) -> tuple[tuple[Relationship, ...], _Redo]:
    """The earlier relationships still valid, and which columns to infer again: every
    column of a changed table, and columns named like a key a changed table had or has."""
    if previous is None or changed is None or not previous.relationships:
        return (), lambda t, c: True
    current = {t.name for t in catalog.tables}
    moved = set(changed) | {t.name for t in previous.tables if t.name not in current}
    affected = {k.lower() for cat in (catalog, previous) for t in cat.tables if t.name in moved
                for k in _key_columns(t)}

    def touches(column: str) -> bool:
        return any(key in affected for key, *_ in _key_names(column.lower()))

    kept = tuple(r for r in previous.relationships
                 if r.table in current and r.table not in moved and r.ref_table not in moved
                 and not touches(r.column))
    return kept, lambda t, c: t.name in moved or touches(c.name)


def _check_order(candidates: list[_Candidate]) -> list[int]:
    """Candidate indices worth a query, most useful first: where the best two targets of a
    column are within 0.15 of each other, both; elsewhere the best one."""
    by_column: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(candidates):
        by_column[(c.table.name, c.column.name)].append(i)
    close, clear = [], []
    for group in by_column.values():
        group.sort(key=lambda i: -candidates[i].score)
        if len(group) > 1 and candidates[group[0]].score - candidates[group[1]].score < 0.15:
            close += group[:2]
        else:
            clear.append(group[0])
    clear.sort(key=lambda i: -candidates[i].score)
    return close + clear


def _relationship(c: _Candidate, checked: tuple[int, int] | None) -> Relationship:
    score, evidence = c.score, c.evidence
    if checked is not None:
        sampled, matched = checked
        if sampled:
            share = matched / sampled
            evidence += (f"values {matched}/{sampled} found",)
            score = score + 0.3 * share if share >= 0.5 else score * 0.3
    return Relationship(c.table.name, c.column.name, c.ref.name, c.key.name,
                        round(min(score, 1.0), 3), False, evidence)


def _best(found: list[Relationship]) -> tuple[Relationship, ...]:
    by_column: dict[tuple[str, str], list[Relationship]] = defaultdict(list)
    for r in found:
        if r.confidence >= _MIN_CONFIDENCE:
            by_column[(r.table, r.column)].append(r)
    out: list[Relationship] = []
    for group in by_column.values():
        group.sort(key=lambda r: (-r.confidence, r.ref_table))
        out += group[:_PER_COLUMN]
    return tuple(out)


def _candidates(catalog: Catalog, redo: _Redo) -> Iterator[_Candidate]:
    """Every plausible (column -> key) pair of the columns to `redo`, with its name, type
    and profile evidence."""
    canonical = _canonical(catalog)
    owners = _owners(catalog, canonical)
    for t in catalog.tables:
        declared = {c.lower() for fk in t.foreign_keys for c in fk.columns}
        for col in t.columns:
            if col.name.lower() in declared or not redo(t, col):
                continue
            scored = [c for c in _pairs(t, col, owners, canonical) if c.score >= 0.3]
            scored.sort(key=lambda c: -c.score)
            yield from scored[: _PER_COLUMN + 1]


def _owners(catalog: Catalog, canonical: set[tuple[str, str]]
            ) -> dict[str, list[tuple[Table, Column]]]:
    """Key columns by lower-case name: single-column primary keys and columns named after
    their table; the likeliest masters first (referenced, named after the key, no copy)."""
    out: dict[str, list[tuple[Table, Column]]] = defaultdict(list)
    for t in catalog.tables:
        for name in _key_columns(t):
            col = t.column(name)
            if col is not None:
                out[name.lower()].append((t, col))
    for group in out.values():
        group.sort(key=lambda tc: -_rank(tc[0], tc[1], canonical))
    return out


def _rank(table: Table, column: Column, canonical: set[tuple[str, str]]) -> int:
    return (2 * ((table.name.lower(), column.name.lower()) in canonical)
            + _named_after(table.name, column.name) - 2 * bool(_COPY.search(table.name)))


def _canonical(catalog: Catalog) -> set[tuple[str, str]]:
    """(table, column) pairs that declared foreign keys point to."""
    return {(fk.ref_table.lower(), rc.lower()) for t in catalog.tables
            for fk in t.foreign_keys for rc in fk.ref_columns}


@lru_cache(maxsize=200_000)
def _named_after(table: str, key: str) -> bool:
    """`account_id` in `dim_brk_account`, `singer_id` in `singers`, `id` never."""
    stems = _stems(table)
    words = _stems(key)
    if words and words[-1] in ("id", "code", "no", "key"):
        words = words[:-1]
    return bool(words) and stems[-len(words):] == words


@lru_cache(maxsize=200_000)
def _stems(name: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in identifier_words(name))


def _pairs(
    t: Table, col: Column, owners: dict[str, list[tuple[Table, Column]]],
    canonical: set[tuple[str, str]],
) -> Iterator[_Candidate]:
    seen: set[str] = set()
    for key, base, why, named in _key_names(col.name.lower()):
        for ref, key_col in owners.get(key, ())[:_SCORED]:
            if ref is t or ref.name in seen or key_col.type_class != col.type_class:
                continue
            if named and not _named_after(ref.name, named):
                continue  # `customer_id` -> `id` only in the customer table
            if col.primary_key and len(t.primary_key) == 1 and not _outranks(
                    ref, key_col, t, col, canonical):
                continue  # two tables keyed alike: one edge, towards the master
            seen.add(ref.name)
            yield _score(t, col, ref, key_col, base, why, canonical)


def _key_names(name: str) -> Iterator[tuple[str, float, str, str]]:
    """Key names a column may refer to: (key, weight of the name evidence, the evidence,
    the name the target table must be named after, if any)."""
    if name not in _GENERIC:
        yield name, 0.5, "same name", ""
    if name.endswith("_id") and name != "id":
        yield "id", 0.45, "named <table>_id", name
    parts = name.split("_")
    for i in range(1, len(parts) - 1):
        suffix = "_".join(parts[i:])
        yield suffix, 0.35, "named <role>_<key>", ""
        if suffix.endswith("_id"):
            yield "id", 0.3, "named <role>_<table>_id", suffix


def _outranks(ref: Table, key: Column, t: Table, col: Column,
              canonical: set[tuple[str, str]]) -> bool:
    return _rank(ref, key, canonical) > _rank(t, col, canonical)


def _score(t: Table, col: Column, ref: Table, key: Column, base: float, why: str,
           canonical: set[tuple[str, str]]) -> _Candidate:
    score = base
    evidence = [why]
    if col.type.lower() == key.type.lower():
        score += 0.05
        evidence.append("same type")
    if ref.primary_key == (key.name,):
        score += 0.1
        evidence.append("target primary key")
    if (ref.name.lower(), key.name.lower()) in canonical:
        score += 0.15
        evidence.append("target referenced by declared keys")
    if _named_after(ref.name, key.name):
        score += 0.05
        evidence.append("target named after the key")
    if _COPY.search(ref.name):
        score -= 0.2
        evidence.append("target looks like a copy")
    fit = _profile_fit(col, key)
    if fit:
        score += 0.05 if fit > 0 else -0.2
        evidence.append("range within the key's" if fit > 0 else "range outside the key's")
    return _Candidate(t, col, ref, key, round(score, 3), tuple(evidence))


def _profile_fit(col: Column, key: Column) -> int:
    """+1 when the profiled range of the column lies within the key's, -1 when it cannot,
    0 when unknown."""
    if (key.min_value is None or key.max_value is None or col.min_value is None
            or col.max_value is None):
        return 0
    if col.type_class == "number":
        try:
            inside = (float(key.min_value) <= float(col.min_value)
                      and float(col.max_value) <= float(key.max_value))
        except ValueError:
            return 0
    else:
        inside = key.min_value <= col.min_value and col.max_value <= key.max_value
    return 1 if inside else -1


def _check(backend: Backend, candidates: list[_Candidate], timeout_ms: int, workers: int,
           problems: list[Problem]) -> dict[int, tuple[int, int]]:
    """(sampled distinct values, of which found in the key) per candidate index."""
    batches = [list(enumerate(candidates[start:start + _PER_QUERY], start))
               for start in range(0, len(candidates), _PER_QUERY)]

    def one(batch: list[tuple[int, _Candidate]]) -> dict[int, tuple[int, int]]:
        try:
            return _probe(backend, batch, timeout_ms)
        except ExecutionError:
            pass
        out: dict[int, tuple[int, int]] = {}
        for i, c in batch:  # one bad pair (types that do not compare) spoils the batch
            try:
                out.update(_probe(backend, [(i, c)], timeout_ms))
            except ExecutionError as e:
                problems.append(Problem(c.table.name, "relationships",
                                        f"{c.column.name} -> {c.ref.name}.{c.key.name} "
                                        f"not checked: {e.message}"))
        return out

    found: dict[int, tuple[int, int]] = {}
    workers = max(1, min(workers, getattr(backend, "max_concurrency", workers)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nl2sql-keys") as pool:
        for part in pool.map(one, batches):
            found.update(part)
    return found


def _probe(backend: Backend, batch: list[tuple[int, _Candidate]], timeout_ms: int
           ) -> dict[int, tuple[int, int]]:
    sql = " UNION ALL ".join(overlap_sql(c.table, c.column, c.ref, c.key, backend.dialect, i)
                             for i, c in batch)
    rows = backend.run(sql, max_rows=len(batch), timeout_ms=timeout_ms).rows
    return {int(i): (int(n or 0), int(m or 0)) for i, n, m in rows}


def overlap_sql(table: Table, column: Column, ref: Table, key: Column, dialect: str,
                tag: int = 0) -> str:
    """How many of up to 100 distinct values of `table.column` (from its first 2000
    non-null rows) exist in `ref.key`: one row (tag, sampled, found)."""

    def q(name: str) -> str:
        return quote_name(name, dialect)

    def source(t: Table) -> str:
        return f"{q(t.schema)}.{q(t.name)}" if t.schema else q(t.name)

    col, k = q(column.name), q(key.name)
    values = (f"SELECT DISTINCT nl2sql_v FROM (SELECT {col} AS nl2sql_v FROM {source(table)} "
              f"WHERE {col} IS NOT NULL LIMIT {_PROBE_ROWS}) AS nl2sql_r LIMIT {_PROBE_VALUES}")
    found = f"EXISTS (SELECT 1 FROM {source(ref)} AS nl2sql_k WHERE nl2sql_k.{k} = nl2sql_h.nl2sql_v)"
    return (f"SELECT {int(tag)} AS nl2sql_i, COUNT(*) AS nl2sql_n, "
            f"SUM(CASE WHEN {found} THEN 1 ELSE 0 END) AS nl2sql_m "
            f"FROM ({values}) AS nl2sql_h")


def with_relationships(catalog: Catalog, found: Iterable[Relationship]) -> Catalog:
    """The catalog with these inferred relationships."""
    return replace(catalog, relationships=tuple(found))
