"""Compact bilingual descriptions of tables and columns, for prompts and for people.

A table card names the table and its comment, its grain (what one row is), its time
column, its keys and joins, measures apart from dimensions, and its size:

    dwd_brk_order_detail — 经纪业务-委托明细 | Brokerage Order detail (~1.2M rows)
    grain: one row per order_id; time: order_time
    keys: order_id (PK); account_id → dim_brk_account.account_id
    measures: order_price 委托价格 [元], order_qty 委托数量 [股]
    dimensions: order_side 买卖方向 {买入, 卖出}, order_status 委托状态 {已报, 已成, …}
    domain: brk 经纪业务 | Brokerage (412 tables)

Domains group tables by subject area: first by name (the schema, or the first word of
the name after a warehouse-layer prefix: `dwd_brk_…` -> brk); tables whose name word is
shared by too few tables join their join-graph neighbours (a small OLTP schema of
`singer`, `concert`, `singer_in_concert` is one domain).

Everything comes from the catalog (names, comments in the `中文名 | English name | unit`
style, keys, profiles); nothing is asked of the database.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from nl2sql.catalog.model import Catalog, Column, Table
from nl2sql.text import identifier_words

__all__ = ["Comment", "Domain", "column_line", "column_role", "domains", "parse_comment",
           "table_card", "time_column"]

_KEY_NAME = re.compile(r"(^|_)(id|code|no|key|uuid)$", re.IGNORECASE)
_TIME_NAME = re.compile(r"(date|time|day|month|year|period|_dt$|_ts$)", re.IGNORECASE)
_PREFERRED_TIME = re.compile(r"^(stat_|biz_|trade_|data_)?(date|day|month)|_date$|_time$",
                             re.IGNORECASE)
_AUDIT = re.compile(r"^(create|update|etl|load|insert|modify|modified)_?(time|date|at|ts)$|"
                    r"^(created|updated|modified)_(at|on)$", re.IGNORECASE)
_AGGREGATED = ("total_", "sum_", "avg_", "max_", "min_", "cnt_", "num_")
_DEFAULT_SCHEMAS = ("", "main", "public", "dbo")
_VALUES_SHOWN = 4
_COLUMNS_SHOWN = 8
# Warehouse layers and table-kind prefixes: the subject word comes after them.
_LAYERS = frozenset("ods dwd dws dwb dwt dim ads dm app rpt fact fct stg tmp tb tbl t v vw "
                    "mid src".split())
_MIN_DOMAIN = 3  # a name word shared by fewer tables does not make a domain by itself
_EDGE_CONFIDENCE = 0.7  # inferred join keys weaker than this do not pull tables together
_COMMENT_HEAD = re.compile(r"^([^-—:：|]+)[-—:：]")


@dataclass(frozen=True)
class Comment:
    """A `中文名 | English name | unit` comment taken apart; any part may be empty."""

    zh: str
    en: str
    unit: str = ""


def parse_comment(text: str) -> Comment:
    """Split a bilingual comment; a plain comment goes to whichever language it is in.

    >>> parse_comment("收盘价 | Close price | 元")
    Comment(zh='收盘价', en='Close price', unit='元')
    >>> parse_comment("close price"), parse_comment("股票代码")
    (Comment(zh='', en='close price', unit=''), Comment(zh='股票代码', en='', unit=''))
    """
    parts = [p.strip() for p in text.split("|")]
    if len(parts) >= 2:
        return Comment(parts[0], parts[1], " | ".join(parts[2:]))
    plain = parts[0]
    return Comment(plain, "") if _has_cjk(plain) else Comment("", plain)


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def column_role(table: Table, column: Column, keyed: frozenset[str] = frozenset()) -> str:
    """"key", "time", "measure" or "dimension": how a query would use the column.

    `keyed` names the columns in foreign keys (declared or inferred).
    """
    name = column.name
    if column.type_class in ("date", "datetime") or (
            column.type_class == "text" and _TIME_NAME.search(name)
            and "name" not in name.lower()):
        return "time"
    if column.primary_key or name in keyed or (_KEY_NAME.search(name)
                                               and column.type_class in ("number", "text")):
        return "key"
    if column.type_class == "number" and not _looks_categorical(column):
        return "measure"
    return "dimension"


def _looks_categorical(column: Column) -> bool:
    # A small integer code (level, flag, year) groups rows rather than being summed.
    name = column.name.lower()
    if name.startswith(_AGGREGATED):
        return False
    return name.endswith(("_level", "_flag", "_type", "_status", "level", "year", "_no"))


def time_column(table: Table) -> Column | None:
    """The column that places a row in time: a business date before audit timestamps."""
    times = [c for c in table.columns if column_role(table, c) == "time"]
    business = [c for c in times if not _AUDIT.match(c.name)] or times
    preferred = [c for c in business if _PREFERRED_TIME.search(c.name)]
    ranked = preferred or business
    return ranked[0] if ranked else None


def column_line(column: Column) -> str:
    """One line about a column: name, type, bilingual comment, and its profile.

    >>> column_line(Column("side", "VARCHAR", comment="买卖方向 | Side", values=("买入", "卖出")))
    'side VARCHAR — 买卖方向 | Side; values: 买入, 卖出'
    """
    text = f"{column.name} {column.type}".rstrip()
    if column.comment:
        text += f" — {column.comment}"
    facts = []
    if column.values:
        shown = ", ".join(column.values[:_VALUES_SHOWN * 2])
        more = len(column.values) - _VALUES_SHOWN * 2
        facts.append(f"values: {shown}" + (f", … ({more} more)" if more > 0 else ""))
    elif column.min_value is not None and column.max_value is not None:
        facts.append(f"range {column.min_value} .. {column.max_value}")
    elif column.samples:
        facts.append(f"e.g. {', '.join(column.samples)}")
    if column.distinct is not None and not column.values:
        facts.append(f"~{_count(column.distinct)} distinct")
    if column.null_frac:
        facts.append(f"{column.null_frac:.0%} null")
    return text + ("; " + "; ".join(facts) if facts else "")


def table_card(table: Table, catalog: Catalog | None = None,
               domain: Domain | None = None) -> str:
    """A compact bilingual card of the table (see the module doc); `catalog` adds the
    inferred join keys it knows about, `domain` (from `domains`) its subject area."""
    joins = _joins(table, catalog)
    keyed = frozenset(column for column, _ in joins)
    roles: dict[str, list[Column]] = {"key": [], "time": [], "measure": [], "dimension": []}
    for c in table.columns:
        roles[column_role(table, c, keyed)].append(c)
    when = time_column(table)
    lines = [_title(table), _grain(table, when, roles["key"])]
    keys = [f"{c} (PK)" for c in table.primary_key]
    keys += [f"{c} → {ref}" for c, ref in joins if c not in table.primary_key]
    keys += [c.name for c in roles["key"] if c.name not in table.primary_key
             and c.name not in keyed]
    if keys:
        lines.append("keys: " + ", ".join(keys))
    for role in ("measure", "dimension"):
        if roles[role]:
            lines.append(f"{role}s: " + _brief(roles[role]))
    if domain is not None:
        title = f" {domain.title}" if domain.title else ""
        lines.append(f"domain: {domain.key}{title} ({len(domain.tables)} tables)")
    return "\n".join(lines)


def _title(table: Table) -> str:
    name = table.name if table.schema in _DEFAULT_SCHEMAS else f"{table.schema}.{table.name}"
    kind = " (view)" if table.kind == "view" else ""
    size = f" (~{_count(table.row_count)} rows)" if table.row_count is not None else ""
    comment = f" — {table.comment}" if table.comment else ""
    return f"{name}{kind}{comment}{size}"


def _grain(table: Table, when: Column | None, keys: list[Column]) -> str:
    if table.primary_key:
        grain = f"one row per {' + '.join(table.primary_key)}"
    elif when is not None and keys:
        grain = f"one row per {when.name} + {keys[0].name} (no declared key)"
    else:
        grain = "no declared key"
    return f"grain: {grain}" + (f"; time: {when.name}" if when is not None else "")


def _joins(table: Table, catalog: Catalog | None) -> list[tuple[str, str]]:
    out = [(c, f"{fk.ref_table}.{rc}") for fk in table.foreign_keys
           for c, rc in zip(fk.columns, fk.ref_columns, strict=False)]
    if catalog is not None:
        seen = {c for c, _ in out}
        for r in catalog.relationships:
            if r.table == table.name and r.column not in seen and r.confidence >= 0.7:
                seen.add(r.column)
                out.append((r.column, f"{r.ref_table}.{r.ref_column} (inferred "
                                      f"{r.confidence:.2f})"))
    return out


def _brief(columns: list[Column]) -> str:
    parts = []
    for c in columns[:_COLUMNS_SHOWN]:
        comment = parse_comment(c.comment) if c.comment else Comment("", "")
        label = comment.zh or comment.en
        text = f"{c.name} {label}".rstrip()
        if comment.unit:
            text += f" [{comment.unit}]"
        if c.values:
            shown = ", ".join(c.values[:_VALUES_SHOWN])
            text += " {" + shown + (", …" if len(c.values) > _VALUES_SHOWN else "") + "}"
        parts.append(text)
    more = len(columns) - _COLUMNS_SHOWN
    return ", ".join(parts) + (f", … ({more} more)" if more > 0 else "")


def _count(n: int | None) -> str:
    """A row or value count, rounded.

    >>> _count(1234567), _count(5), _count(12000)
    ('1.2M', '5', '12K')
    """
    if n is None:
        return "?"
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= size:
            value = n / size
            return f"{value:.1f}{unit}".replace(".0", "") if value < 10 else f"{value:.0f}{unit}"
    return str(n)


@dataclass(frozen=True)
class Domain:
    """A subject area: its key (a name word or schema), a title from the members' shared
    comment prefix (经纪业务 | Brokerage), and its tables."""

    key: str
    title: str
    tables: tuple[str, ...]


def domains(catalog: Catalog, edges: Iterable[tuple[str, str]] | None = None
            ) -> dict[str, Domain]:
    """Each table's domain, by table name (lower case).

    `edges` are (table, table) join pairs; default: declared keys and inferred keys of
    confidence >= 0.7 (`catalog.relations.join_edges`).

    >>> c = Catalog("duckdb", tuple(Table(n, ()) for n in ("dim_brk_a", "dwd_brk_b", "ads_brk_c", "x")))
    >>> sorted({d.key for d in domains(c, []).values()})
    ['brk', 'x']
    """
    if edges is None:
        from nl2sql.catalog.relations import join_edges

        edges = [(e.table, e.ref_table) for e in join_edges(catalog)
                 if e.declared or e.confidence >= _EDGE_CONFIDENCE]
    names = {t.name.lower(): t for t in catalog.tables}
    words = {n: _subject_words(t) for n, t in names.items()}
    spread = Counter(w for ws in words.values() for w in set(ws))
    # Of the leading words, the one most tables share names the area (ods_sap_crm_…: crm,
    # found in every layer, not sap, a source system found in one).
    seed = {n: max(ws, key=lambda w: (spread[w], -ws.index(w))) for n, ws in words.items()}
    size = Counter(seed.values())
    weak = {n for n, k in seed.items() if size[k] < _MIN_DOMAIN}
    neighbors: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        a, b = a.lower(), b.lower()
        if a in names and b in names and a != b:
            neighbors[a].add(b)
            neighbors[b].add(a)
    label = dict(seed)
    for component in _components(weak, neighbors):
        around = Counter(seed[m] for n in component for m in neighbors[n] if m not in weak)
        if around and len(component) < _MIN_DOMAIN:
            key = around.most_common(1)[0][0]  # a few stray tables join the area they serve
        else:
            # The most shared name word; among equals, the widest table's (an entity,
            # not the bridge between two).
            count = Counter(seed[n] for n in component)
            key = seed[max(component, key=lambda n: (count[seed[n]], len(names[n].columns), n))]
        label.update(dict.fromkeys(component, key))
    members: dict[str, list[str]] = defaultdict(list)
    for n, key in label.items():
        members[key].append(names[n].name)
    found = {key: Domain(key, _domain_title([names[m.lower()] for m in tables]), tuple(tables))
             for key, tables in members.items()}
    return {n: found[key] for n, key in label.items()}


def _subject_words(table: Table) -> list[str]:
    """The schema (outside the default ones), else the first two subject words of the name."""
    if table.schema.lower() not in _DEFAULT_SCHEMAS:
        return [table.schema.lower()]
    words = identifier_words(table.name)
    subject = [w for w in words if w not in _LAYERS and not w.isdigit()]
    return (subject or words or [table.name.lower()])[:2]


def _components(nodes: set[str], neighbors: dict[str, set[str]]) -> list[list[str]]:
    """Connected components among `nodes` (edges to other nodes are not followed)."""
    seen: set[str] = set()
    out = []
    for start in sorted(nodes):
        if start in seen:
            continue
        seen.add(start)
        stack, component = [start], []
        while stack:
            n = stack.pop()
            component.append(n)
            for m in neighbors.get(n, ()):
                if m in nodes and m not in seen:
                    seen.add(m)
                    stack.append(m)
        out.append(component)
    return out


def _domain_title(tables: list[Table]) -> str:
    """The comment prefix most members share (经纪业务-… | Brokerage …), or ""."""
    zh = Counter(m.group(1).strip() for t in tables
                 if (m := _COMMENT_HEAD.match(parse_comment(t.comment).zh)))
    en = Counter(words[0] for t in tables if (words := parse_comment(t.comment).en.split()))
    parts = [c.most_common(1)[0][0] for c in (zh, en)
             if c and c.most_common(1)[0][1] * 2 > len(tables)]
    return " | ".join(parts)
