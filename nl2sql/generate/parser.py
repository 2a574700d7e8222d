"""Tier 1, first version: a sketch parser from linked mentions and cue words to a QueryPlan.

It reads the question once, left to right in token positions, and fills a sketch:
aggregates attach to the column they precede (or follow, in Chinese), values become
equality filters, numbers next to comparison cues become range filters, "each/每个"
columns become GROUP BY, superlatives become ORDER BY ... LIMIT, and whatever columns
are left are projected. Every decision keeps its evidence; the confidence is the share
of the question's content words that the sketch explains.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from nl2sql.catalog.model import Catalog, Column, Table
from nl2sql.catalog.relations import join_edges
from nl2sql.errors import GenerationError
from nl2sql.generate.plan import ColRef, Filter, Measure, Order, QueryPlan, join_path
from nl2sql.lexicon import Cue, find_cues
from nl2sql.link.schema_slice import ColumnLink, SchemaSlice, TableLink
from nl2sql.text import identifier_words

__all__ = ["parse"]

_AGGS = ("avg", "sum", "max", "min")
_COMPARE = {"gt": ">", "lt": "<", "ge": ">=", "le": "<="}
# Chinese comparison cues written after the number ("30岁以上").
_POSTFIX = {"以上": ">", "以下": "<", "之后": ">", "之前": "<", "及以上": ">=", "及以下": "<="}
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}
_TOPK = re.compile(r"^(?:top|first|前)$")
# Words after which a max/min cue selects rows rather than computing an aggregate.
_ROW_WORDS = frozenset("which who whose list show give find name 哪 哪个 哪只 哪家 哪些 谁".split())
_AGG_ONLY = frozenset(["maximum", "max", "minimum", "min", "average", "mean", "avg"])


@dataclass
class _Sketch:
    select: list[Measure] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    group_by: list[ColRef] = field(default_factory=list)
    order_by: list[Order] = field(default_factory=list)
    limit: int | None = None
    latest: ColRef | None = None
    distinct: bool = False
    joined: list[str] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # token positions explained so far


def _not_names(s: SchemaSlice, cues: list[Cue]) -> list[Cue]:
    """A one-word cue that is also a table's name ("orders") is the table, not the cue."""
    named = {(t.start, t.end) for t in s.table_mentions}
    named |= {(c.start, c.end) for c in s.columns if c.score >= 1.0}
    # A verb form ("ordered", "ranking") stays a cue even when its stem names a table.
    verb = {i for i, t in enumerate(s.tokens) if t.text.endswith(("ed", "ing"))}
    return [c for c in cues
            if c.end - c.start > 1 or (c.start, c.end) not in named or c.start in verb]


def _direction_only(cues: list[Cue]) -> list[Cue]:
    """Drop max/min/superlative cues that sit inside an asc/desc phrase ("from the oldest")."""
    spans = [(c.start, c.end) for c in cues if c.intent in ("asc", "desc")]
    return [c for c in cues if c.intent not in ("max", "min", "superlative")
            or not any(a <= c.start and c.end <= b for a, b in spans)]


def parse(s: SchemaSlice, catalog: Catalog) -> tuple[QueryPlan, float]:
    """Parse a linked question into a QueryPlan and a confidence in [0, 1]."""
    if not s.tables or s.tables[0].score <= 0:
        raise GenerationError("the question mentions no table, column or value of this database",
                              reason="nothing_linked")
    cues = _direction_only(_not_names(s, find_cues(list(s.tokens))))
    base = _base_table(s, cues, catalog)
    focus = _focus_tables(s, base, catalog)
    mentions = _resolve_mentions(s, focus, catalog)
    mentions = sorted([*mentions, *_asked_by_unit(s, focus, catalog, mentions)],
                      key=lambda m: m.start)
    sk = _Sketch()
    _values(s, sk, cues, focus, catalog, mentions)
    _scope_words(s, sk, mentions, catalog)
    cues, mentions = _changes(s, sk, cues, mentions, catalog, focus)
    _dates(s, sk, cues, catalog, base, mentions)
    _comparisons(s, sk, cues, mentions, catalog, focus)
    _quoted_like(s, sk, mentions, catalog, base)
    _aggregates(s, sk, cues, mentions, catalog)
    _grouping(s, sk, cues, mentions, catalog, base)
    _ordering(s, sk, cues, mentions, catalog, base)
    _projection(s, sk, cues, mentions, catalog, base)
    _latest(sk, cues, catalog, base, mentions)
    _window_change(s, sk, catalog)
    _series(sk, catalog)
    _complete_grouping(sk)
    _stable_group_order(sk, catalog)
    plan = QueryPlan(tuple(dict.fromkeys(sk.select)), base.name, tuple(sk.filters), tuple(sk.group_by),
                     tuple(sk.order_by), sk.limit, sk.latest, sk.distinct, tuple(sk.joined))
    return plan, _confidence(s, sk, cues)


def _base_table(s: SchemaSlice, cues: list[Cue], catalog: Catalog) -> Table:
    """The table rows are counted/listed from: a table named after a count cue, else the top."""
    for c in cues:
        if c.intent == "count":
            named = [t for t in s.table_mentions if 0 <= t.start - c.end <= 2]
            if named:
                return _table(catalog, _closest(s, named, catalog))
    valued = {v.table for v in s.values}
    # A table far from every linked value is not what the question is about (成交额 names
    # trades as well, but 创业板指成交额 is the index's).
    near = [t for t in s.tables if t.score > 0
            and (not valued or any(_hops(catalog, t.table, v) <= 2 for v in valued))]
    return _table(catalog, (near or list(s.tables))[0].table)


def _closest(s: SchemaSlice, named: list[TableLink], catalog: Catalog) -> str:
    """Among near-equal readings of one mention, the table closest in the join graph to
    the rest of the question (tables mentioned together are related); then the smaller."""
    top = max(t.score for t in named)
    near = [t.table for t in named if t.score >= 0.8 * top]
    others = {t.table for t in s.table_mentions if t not in named}
    others |= {c.table for c in s.columns} | {v.table for v in s.values}
    others -= set(near)

    def cost(name: str) -> tuple[int, int]:
        hops = sum(_hops(catalog, name, o) for o in others)
        return hops, _table(catalog, name).row_count or 0

    return min(near, key=cost)


def _hops(catalog: Catalog, a: str, b: str) -> int:
    try:
        return len(join_path(catalog, a, b))
    except GenerationError:
        return 99


def _table(catalog: Catalog, name: str) -> Table:
    t = catalog.table(name)
    if t is None:
        raise GenerationError(f"linked table {name} is not in the catalog", reason="stale_catalog")
    return t


def _neighbours(catalog: Catalog, table: Table) -> set[str]:
    name = table.name.lower()
    return {(e.ref_table if e.table.lower() == name else e.table).lower()
            for e in join_edges(catalog) if name in (e.table.lower(), e.ref_table.lower())}


def _focus_tables(s: SchemaSlice, base: Table, catalog: Catalog) -> list[str]:
    """The base table plus linked tables within two FK hops of it, best linked first; then
    the time series of a linked value's entity, however weakly linked (沪深300收盘多少点:
    the index's daily bars, though 收盘 names a stock's close better)."""
    near = _neighbours(catalog, base)
    for n in list(near):
        t = catalog.table(n)
        if t is not None:
            near |= _neighbours(catalog, t)
    by_value = {n for v in s.values for n in _neighbours(catalog, _table(catalog, v.table))
                if _is_series(_table(catalog, n))}
    linked = [base.name] + [t.table for t in s.tables if t.table != base.name and (
        t.table.lower() in near and t.score >= 0.5 or t.table.lower() in by_value)]
    unlinked = sorted(t.name for t in catalog.tables
                      if t.name.lower() in by_value and t.name not in linked)
    return linked + unlinked


def _resolve_mentions(s: SchemaSlice, focus: list[str], catalog: Catalog) -> list[ColumnLink]:
    """One column per mentioned span: best score; among equals, a table of a time series
    when the question names a time, then the table closest to the linked values (沪深300's
    成交额 is the index's, not a stock's), then the base table, then column order."""
    rank = {t: i for i, t in enumerate(focus)}
    table_spans = {(t.start, t.end) for t in s.table_mentions}
    by_span: dict[tuple[int, int], list[ColumnLink]] = {}
    for c in s.columns:
        if c.table not in rank:
            continue
        head = _head_noun(s, c, catalog)
        if _unit_said(s, c, catalog):  # the unit confirms a partly named column
            head = ColumnLink(c.table, c.column, c.start, c.end, max(c.score, _PROJECT_MIN))
        # A table's own name is not a mention of a column that merely contains that word.
        if (c.start, c.end) in table_spans and c.score < 1.0 and head is c:
            continue
        by_span.setdefault((c.start, c.end), []).append(head)
    timed = bool(s.dates) or any(c.intent == "latest" for c in find_cues(list(s.tokens)))
    valued = {v.table for v in s.values}

    def key(c: ColumnLink) -> tuple[bool, float, bool, int, int, int]:
        table = _table(catalog, c.table)
        hops = min((_hops(catalog, c.table, v) for v in valued), default=0)
        order = next((i for i, col in enumerate(table.columns) if col.name == c.column), 0)
        return (_unit_said(s, c, catalog), round(c.score, 6), timed and _is_series(table),
                -hops, -rank[c.table], -order)

    chosen = [max(cs, key=key) for cs in by_span.values()]
    # Overlapping spans: keep the longer/stronger one.
    chosen.sort(key=lambda c: (-(c.end - c.start), -c.score))
    kept: list[ColumnLink] = []
    for c in chosen:
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


_HOW_MUCH = "多少"


def _asked_by_unit(s: SchemaSlice, focus: list[str], catalog: Catalog,
                   mentions: list[ColumnLink]) -> list[ColumnLink]:
    """"收在多少点" names no column, but its unit does: the column of the focus tables in that
    unit sharing most characters with the words before 多少 (收 -> 收盘点位)."""
    text = [t.text for t in s.tokens]
    out = []
    for i in range(len(text) - 2):
        if "".join(text[i:i + 2]) != _HOW_MUCH:
            continue
        after = "".join(text[i + 2:i + 5])
        before = set("".join(text[max(0, i - 3):i]))
        found = []
        for name in focus:
            for col in _table(catalog, name).columns:
                unit = _unit(col)
                label = col.comment.split("|")[0].strip()
                shared = [k for k, ch in enumerate(label) if ch in before]
                if unit and after.startswith(unit) and shared and col.type_class == "number":
                    found.append((-len(shared), shared[0], ColRef(name, col.name), len(unit)))
        end = i + 2 + (min(found, key=lambda f: f[:2])[3] if found else 0)
        if not found or any(m.start < end and max(0, i - 3) < m.end for m in mentions):
            continue
        ref = min(found, key=lambda f: f[:2])[2]
        out.append(ColumnLink(ref.table, ref.column, i, end, _PROJECT_MIN))
    return out


def _unit_said(s: SchemaSlice, c: ColumnLink, catalog: Catalog) -> bool:
    """A partly named column whose unit follows the mention ("收盘多少点": 点 is the unit
    of an index's close, not of a stock's)."""
    col = _column(catalog, _ref(c))
    unit = _unit(col) if col is not None and c.score < 1.0 else ""
    return bool(unit) and unit in "".join(t.text for t in s.tokens[c.end:c.end + 4])


def _is_series(table: Table) -> bool:
    """A time series: a date or timestamp in its primary key (daily bars, NAVs)."""
    return any(c.type_class in ("date", "datetime") and c.name in table.primary_key
               for c in table.columns)


def _head_noun(s: SchemaSlice, c: ColumnLink, catalog: Catalog) -> ColumnLink:
    """A Chinese column name's last word is its head noun: 净值 alone names 单位净值 as
    well as a partial match can, so such a mention counts as a projection-strong one."""
    if c.score >= _PROJECT_MIN or s.lang != "zh":
        return c
    col = _column(catalog, _ref(c))
    said = "".join(t.text for t in s.tokens[c.start:c.end])
    name = (col.comment.split("|")[0].strip() if col and col.comment else "")
    if len(said) >= 2 and name.endswith(said):
        return ColumnLink(c.table, c.column, c.start, c.end, _PROJECT_MIN)
    return c


def _ref(c: ColumnLink) -> ColRef:
    return ColRef(c.table, c.column)


def _column(catalog: Catalog, ref: ColRef) -> Column | None:
    t = catalog.table(ref.table)
    return t.column(ref.column) if t else None


def _near(cue: Cue, mentions: list[ColumnLink], window: int = 3,
          after: bool = True) -> ColumnLink | None:
    """The mention closest to a cue, looking after it first (then before when allowed)."""
    ahead = [m for m in mentions if 0 <= m.start - cue.end <= window]
    if ahead and after:
        return min(ahead, key=lambda m: m.start)
    behind = [m for m in mentions if 0 <= cue.start - m.end <= window]
    if behind:
        return max(behind, key=lambda m: m.end)
    return ahead[0] if ahead else None


def _cue_text(s: SchemaSlice, c: Cue) -> str:
    return " ".join(t.text for t in s.tokens[c.start:c.end])


def _values(s: SchemaSlice, sk: _Sketch, cues: list[Cue], focus: list[str],
            catalog: Catalog, mentions: list[ColumnLink]) -> None:
    rank = {t: i for i, t in enumerate(focus)}
    # A code stored in many tables (orders, trades, bars) filters the table asked about.
    asked = {c.table for c in mentions if c.score >= 1.0}
    spans: dict[tuple[int, int], list] = {}
    for v in s.values:
        if v.table in rank:
            spans.setdefault((v.start, v.end), []).append(v)
    named = {(c.table, c.column): c.end for c in s.columns}
    for (start, end), vs in sorted(spans.items()):
        # "year 2014": the column named just before a value says which column holds it.
        # Else the table asked about, then the one fewest joins from it (a code of the
        # securities filters their daily bars, not orders of them), then the best linked.
        v = min(vs, key=lambda v: (not 0 <= start - named.get((v.table, v.column), -9) <= 1,
                                   v.table not in asked,
                                   min((_hops(catalog, v.table, a) for a in asked), default=0),
                                   rank[v.table]))
        op = "="
        if any(c.intent == "ne" and 0 <= start - c.end <= 2 for c in cues):
            op = "!="
        elif any(c.intent == "like" and 0 <= start - c.end <= 3 for c in cues):
            op = "like"
        sk.filters.append(Filter(ColRef(v.table, v.column), op, v.value))
        sk.used.update(range(start, end))


# Words of a rise or a fall; the change column they refer to is found in the catalog.
_RISE = frozenset("涨幅 上涨 涨了 大涨 涨多少 gainers gainer gain gained rose risen risers".split())
_FALL = frozenset("跌幅 下跌 跌了 大跌 跌多少 losers loser fell fallen decliners declined".split())
_CHANGE_NAMES = ("涨跌幅", "percent change", "pct change", "change percent")


def _words(s: SchemaSlice, vocabulary: frozenset[str]) -> list[tuple[int, int, str]]:
    """Token spans (one to three tokens) whose text is a word of the vocabulary."""
    out = []
    for i in range(len(s.tokens)):
        for j in range(min(len(s.tokens), i + 3), i, -1):
            tokens = s.tokens[i:j]
            text = "".join(t.text for t in tokens) if all(t.is_cjk for t in tokens) else \
                " ".join(t.text for t in tokens)
            if text in vocabulary:
                out.append((i, j, text))
                break
    return out


def _change_column(s: SchemaSlice, catalog: Catalog, base: Table,
                   focus: list[str]) -> ColRef | None:
    """The percent-change column a rise/fall word means: of a table within two joins of
    the base, a time series first, nearest the linked values, then the base."""
    near = [base.name, *focus, *sorted(_neighbours(catalog, base))]
    for n in list(near):
        t = catalog.table(n)
        if t is not None:
            near += sorted(_neighbours(catalog, t))
    valued = {v.table for v in s.values} or {base.name}
    found = []
    for name in dict.fromkeys(n.lower() for n in near):
        table = next((t for t in catalog.tables if t.name.lower() == name), None)
        if table is None:
            continue
        for col in table.columns:
            if col.type_class == "number" and any(w in col.comment.lower() for w in _CHANGE_NAMES):
                hops = min(_hops(catalog, table.name, v) for v in valued)
                found.append((not _is_series(table), hops, ColRef(table.name, col.name)))
    return min(found, key=lambda f: (f[0], f[1]))[2] if found else None


def _changes(s: SchemaSlice, sk: _Sketch, cues: list[Cue], mentions: list[ColumnLink],
             catalog: Catalog, focus: list[str]) -> tuple[list[Cue], list[ColumnLink]]:
    """Rise and fall words over a percent-change column: "涨幅最大的5只" ranks by it (跌幅最大
    ascending), "多少只股票上涨" counts rows with it above zero, "涨了多少" asks for it."""
    words = [(i, j, True) for i, j, _ in _words(s, _RISE)]
    words += [(i, j, False) for i, j, _ in _words(s, _FALL)]
    # Inside a longer column name (涨跌幅) the word is not a rise or a fall.
    words = [w for w in words if not any(m.start <= w[0] and w[1] <= m.end
                                         and m.end - m.start > w[1] - w[0] for m in mentions)]
    if not words:
        return cues, mentions
    said = {k for w in words for k in range(w[0], w[1])}
    mentions = [m for m in mentions if not said & set(range(m.start, m.end))]
    col = _change_column(s, catalog, _table(catalog, focus[0]), focus)
    if col is None:
        return cues, mentions
    k = _topk(s, cues)
    counting = any(c.intent == "count" for c in cues)
    for start, end, rise in words:
        ranked = next((c for c in cues if c.intent in ("max", "min")
                       and 0 <= c.start - end <= 1), None)
        if ranked is not None:
            sk.order_by.append(Order(Measure(None, col), rise == (ranked.intent == "max")))
            sk.limit = k or 1
            cues = [c for c in cues if c is not ranked]
            sk.used.update(range(ranked.start, ranked.end))
        elif counting:
            sk.filters.append(Filter(col, ">" if rise else "<", 0))
        else:
            mentions = sorted([*mentions, ColumnLink(col.table, col.column, start, end, 1.0)],
                              key=lambda m: m.start)
            continue
        sk.used.update(range(start, end))
        mentions = sorted([*mentions, ColumnLink(col.table, col.column, start, end, 1.0)],
                          key=lambda m: m.start)
    return cues, mentions


def _scope_words(s: SchemaSlice, sk: _Sketch, mentions: list[ColumnLink],
                 catalog: Catalog) -> None:
    """A text column named right after a value says what the value is (银行板块, 环保行业):
    it scopes the filter and is not asked for."""
    ends = {v.end for v in s.values}
    for m in mentions:
        if m.start in ends and not _numeric(catalog, m):
            sk.used.update(range(m.start, m.end))


# Column names that are themselves an extreme of the period they are recorded for.
_EXTREME_NAMES = {"最高": "max", "最低": "min"}


# Words saying a change is over the whole window, not day by day.
_PERIOD = frozenset("区间 期间 累计 cumulative period".split())
_CLOSE_NAMES = ("收盘", "close")
_PREVIOUS_NAMES = ("昨收", "前收", "previous", "prev", "pre_")


def _window_change(s: SchemaSlice, sk: _Sketch, catalog: Catalog) -> None:
    """"区间涨跌幅" over a window: the change from the level before its first day to its last
    close (compounded), not each day's percent change; needs the table's close columns."""
    if len(sk.select) != 1 or sk.select[0].agg or sk.select[0].col is None:
        return
    ref = sk.select[0].col
    col = _column(catalog, ref)
    if col is None or _unit(col) != "%" or not any(w in col.comment.lower()
                                                   for w in _CHANGE_NAMES):
        return
    ranged = [f.col for f in sk.filters if f.col.table == ref.table and f.op == ">="
              and isinstance(f.value, dt.date)]
    if not ranged or not _words(s, _PERIOD):
        return
    table = _table(catalog, ref.table)

    def named(c: Column, words: tuple[str, ...]) -> bool:
        return any(w in f"{c.name} {c.comment}".lower() for w in words)

    closes = [c for c in table.columns if c.type_class == "number" and named(c, _CLOSE_NAMES)]
    last = next((c for c in closes if not named(c, _PREVIOUS_NAMES)), None)
    start = next((c for c in closes if named(c, _PREVIOUS_NAMES)), last)
    if last is None or start is None:
        return
    sk.select = [Measure("growth", ColRef(table.name, last.name), by=ranged[0],
                         start=ColRef(table.name, start.name))]


def _series(sk: _Sketch, catalog: Catalog) -> None:
    """Values of a time series over a window are read with their dates, in time order."""
    if sk.group_by or sk.order_by or sk.limit or sk.latest or sk.distinct:
        return
    if not sk.select or any(m.agg or m.col is None for m in sk.select):
        return
    ranged = [f.col for f in sk.filters if f.op == ">=" and isinstance(f.value, dt.date)]
    if ranged and len(sk.select) == 1 and sk.select[0].col is not None:
        col = _column(catalog, sk.select[0].col)
        word = col.comment[:2] if col is not None else ""
        if word in _EXTREME_NAMES:  # 最高价 over a window: the highest of its highs
            sk.select = [Measure(_EXTREME_NAMES[word], sk.select[0].col)]
            return
    for ref in ranged:
        table = _table(catalog, ref.table)
        if ref.column in table.primary_key and all(m.col and m.col.table == ref.table
                                                   for m in sk.select):
            sk.select.insert(0, Measure(None, ref))
            sk.order_by.append(Order(Measure(None, ref)))
            return


def _quoted_like(s: SchemaSlice, sk: _Sketch, mentions: list[ColumnLink], catalog: Catalog,
                 base: Table) -> None:
    """A quoted phrase that is not a stored value is searched for in a text column."""
    texts = [m for m in mentions if not _numeric(catalog, m)]
    for q in s.quoted:
        after = [m for m in texts if 0 <= m.start - q.end <= 4]
        target = after[0] if after else _nearest(texts, q.start)
        ref = _ref(target) if target else None
        if ref is None:
            ref = _label(catalog, base)
        if ref is not None:
            sk.filters.append(Filter(ref, "like", q.text))
            sk.used.update(range(q.start, q.end))
            if target:
                sk.used.update(range(target.start, target.end))


def _numeric(catalog: Catalog, m: ColumnLink) -> bool:
    col = _column(catalog, _ref(m))
    return col is not None and col.type_class in ("number", "date", "datetime")


def _comparisons(s: SchemaSlice, sk: _Sketch, cues: list[Cue], mentions: list[ColumnLink],
                 catalog: Catalog, focus: list[str]) -> None:
    numeric = [m for m in mentions if _numeric(catalog, m)]
    done: set[int] = set()
    for c in cues:
        pair = [n for n in s.numbers if c.intent == "between" and 0 <= n.start - c.end <= 6][:2]
        target = _nearest(numeric, c.start) if len(pair) == 2 else None
        if target is not None:
            low, high = sorted((pair[0].value, pair[1].value))
            sk.filters += [Filter(_ref(target), ">=", low), Filter(_ref(target), "<=", high)]
            done.update(n.start for n in pair)
            sk.used.update(range(c.start, c.end))
            sk.used.update(range(target.start, target.end))
    for n in s.numbers:
        if _is_topk(s, n.start, cues) or n.start in done or n.start in sk.used:
            continue
        op, cue = _compare_op(s, cues, n.start, n.end)
        if op is None:
            continue
        ref = _compared_column(s, cue, n.end, numeric, catalog, focus)
        if ref is None:
            continue
        sk.filters.append(Filter(ref, op, n.value))
        sk.used.update(range(n.start, n.end))


def _compare_op(s: SchemaSlice, cues: list[Cue], start: int,
                end: int) -> tuple[str | None, Cue | None]:
    for c in cues:
        if c.intent in _COMPARE and 0 <= start - c.end <= 2:
            return _COMPARE[c.intent], c
    after = "".join(t.text for t in s.tokens[end:end + 4])
    for word, op in sorted(_POSTFIX.items(), key=lambda kv: -len(kv[0])):
        if re.match(rf"^[^\d]{{0,2}}{word}", after):
            return op, None
    return None, None


def _compared_column(s: SchemaSlice, cue: Cue | None, number_end: int,
                     numeric: list[ColumnLink], catalog: Catalog,
                     focus: list[str]) -> ColRef | None:
    """The column a number is compared with: named by the comparative ("older than"),
    by the unit after the number ("40岁" and a column whose comment unit is 岁), or the
    numeric column mentioned nearest before."""
    tables = [t for t in (catalog.table(n) for n in focus) if t is not None]
    if cue is not None and cue.extra:
        col = next((ColRef(t.name, c.name) for t in tables for c in t.columns
                    if cue.extra[0] in c.name.lower()), None)
        if col:
            return col
    unit = s.tokens[number_end].text if number_end < len(s.tokens) else ""
    by_unit = [ColRef(t.name, c.name) for t in tables for c in t.columns
               if unit and _unit(c) == unit]
    if len(by_unit) == 1:
        return by_unit[0]
    target = _nearest(numeric, cue.start if cue else number_end)
    return _ref(target) if target else None


def _unit(col: Column) -> str:
    parts = [p.strip() for p in col.comment.split("|")]
    return parts[2] if len(parts) >= 3 else ""


def _nearest(mentions: list[ColumnLink], pos: int) -> ColumnLink | None:
    before = [m for m in mentions if m.end <= pos]
    if before:
        return before[-1]
    after = [m for m in mentions if m.start >= pos]
    return after[0] if after else None


def _is_topk(s: SchemaSlice, pos: int, cues: list[Cue]) -> bool:
    if pos > 0 and _TOPK.match(s.tokens[pos - 1].text):
        return True
    return any(c.intent in ("max", "min") and 0 <= pos - c.end <= 1 for c in cues)


def _topk(s: SchemaSlice, cues: list[Cue] | None = None) -> int | None:
    """k of "top 5", "前十", or a count right after a superlative ("最高的5只", "highest 3")."""
    starts = [i + 1 for i, t in enumerate(s.tokens[:-1]) if _TOPK.match(t.text)]
    for c in cues or ():
        if c.intent in ("max", "min"):
            skip = 1 if c.end < len(s.tokens) and s.tokens[c.end].text == "的" else 0
            starts.append(c.end + skip)
    for i in starts:
        nxt = s.tokens[i].text if i < len(s.tokens) else ""
        if nxt.isdigit() and 0 < int(nxt) <= 1000:
            return int(nxt)
        if nxt in _ZH_DIGITS:
            return _ZH_DIGITS[nxt]
    return None


def _aggregates(s: SchemaSlice, sk: _Sketch, cues: list[Cue], mentions: list[ColumnLink],
                catalog: Catalog) -> None:
    for c in cues:
        if c.intent == "count" and _ranks_by_count(c, cues):
            sk.used.update(range(c.start, c.end))
        elif c.intent == "count":
            distinct = any(d.intent == "distinct" and 0 <= d.start - c.end <= 2 for d in cues)
            target = _near(c, mentions, after=True) if distinct else None
            if target:
                sk.select.append(Measure("count", _ref(target), distinct=True))
                sk.used.update(range(target.start, target.end))
            elif not any(m.agg == "count" for m in sk.select):
                sk.select.append(Measure("count"))
            sk.used.update(range(c.start, c.end))
        elif c.intent in _AGGS and not _selects_rows(s, c, cues):
            target = _near(c, mentions, after=True)
            if target and _numeric(catalog, target):
                sk.select.append(Measure(c.intent, _ref(target)))
                sk.used.update(range(c.start, c.end))
                sk.used.update(range(target.start, target.end))


def _ranks_by_count(c: Cue, cues: list[Cue]) -> bool:
    """"the most number of X": the count orders rows, it is not asked for."""
    return any(m.intent in ("max", "min") and 0 <= c.start - m.end <= 1 for m in cues)


def _selects_rows(s: SchemaSlice, c: Cue, cues: list[Cue]) -> bool:
    """Is a max/min cue a superlative over rows ("which is the oldest") rather than MAX()?"""
    if c.intent not in ("max", "min"):
        return False
    if _cue_text(s, c) in _AGG_ONLY:
        return False
    words = {t.text for t in s.tokens}
    if words & _ROW_WORDS or _topk(s, cues) is not None:
        return True
    # "the year that had the most concerts": ranks rows by a count of another table.
    if any(0 <= t.start - c.end <= 2 for t in s.table_mentions):
        return True
    # Chinese "X最高的Y": the cue modifies a following noun.
    return s.lang == "zh" and c.end < len(s.tokens) and s.tokens[c.end].text == "的"


def _grouping(s: SchemaSlice, sk: _Sketch, cues: list[Cue], mentions: list[ColumnLink],
              catalog: Catalog, base: Table) -> None:
    for c in cues:
        if c.intent != "group":
            continue
        target = next((m for m in mentions if 0 <= m.start - c.end <= 2), None)
        if target is None:
            table = next((t for t in s.table_mentions if 0 <= t.start - c.end <= 2), None)
            if table is None or table.table == base.name and not sk.select:
                continue
            label = _label(catalog, _table(catalog, table.table))
            if label is None:
                continue
            ref = label
        else:
            ref = _ref(target)
            sk.used.update(range(target.start, target.end))
        if ref not in sk.group_by:
            sk.group_by.append(ref)
            sk.select.insert(0, Measure(None, ref))
        sk.used.update(range(c.start, c.end))


def _ordering(s: SchemaSlice, sk: _Sketch, cues: list[Cue], mentions: list[ColumnLink],
              catalog: Catalog, base: Table) -> None:
    desc = any(c.intent == "desc" for c in cues)
    k = _topk(s, cues)
    for c in cues:
        if c.intent == "order":
            # "ordered by X" (X after) or "按X排序" (X before).
            target = _near(c, mentions, window=4, after=s.lang != "zh")
            if target:
                sk.order_by.append(Order(Measure(None, _ref(target)), desc))
                sk.used.update(range(target.start, target.end))
            sk.used.update(range(c.start, c.end))
        elif c.intent in ("max", "min") and _selects_rows(s, c, cues):
            key = _superlative_key(s, c, mentions, sk, catalog)
            sk.order_by.append(Order(key, c.intent == "max"))
            sk.limit = k or 1
            sk.used.update(range(c.start, c.end))
        elif c.intent == "superlative":
            word, direction = c.extra
            col = _column_like(base, word)
            if col is not None:
                sk.order_by.append(Order(Measure(None, ColRef(base.name, col.name)),
                                         direction == "desc"))
                sk.limit = sk.limit or (k or 1)
                sk.used.update(range(c.start, c.end))
    if k is not None and sk.order_by:
        sk.limit = k


def _superlative_key(s: SchemaSlice, c: Cue, mentions: list[ColumnLink], sk: _Sketch,
                     catalog: Catalog) -> Measure:
    """What a superlative ranks by: a numeric column next to it, else the count of rows."""
    target = _near(c, [m for m in mentions if _numeric(catalog, m)], window=5,
                   after=s.lang != "zh")
    if target is not None:
        sk.used.update(range(target.start, target.end))
        return Measure(None, _ref(target))
    counted = next((t for t in s.table_mentions if 0 <= t.start - c.end <= 3), None)
    if counted is not None:
        sk.joined.append(counted.table)
        sk.used.update(range(counted.start, counted.end))
    return Measure("count")


def _stable_group_order(sk: _Sketch, catalog: Catalog) -> None:
    """The same group order on every backend, and the one a listener expects: time
    groups in time order, other groups largest first ("电力设备 6 只, ...")."""
    if not sk.group_by or sk.order_by:
        return
    aggs = [m for m in sk.select if m.agg is not None]
    if aggs and not any(_is_time(catalog, g) for g in sk.group_by):
        sk.order_by = [Order(aggs[0], True)]
    sk.order_by += [Order(Measure(None, g)) for g in sk.group_by]


def _is_time(catalog: Catalog, ref: ColRef) -> bool:
    col = _column(catalog, ref)
    words = set(identifier_words(ref.column))
    return (col is not None and col.type_class in ("date", "datetime")) or bool(
        words & {"year", "month", "day", "date", "quarter", "week", "年", "月"})


def _per_group(o: Order, sk: _Sketch) -> Order | None:
    """An ORDER BY key valid per group: grouped, aggregated, or the selected aggregate of
    that column ("the industry with the highest average change" ranks by that average)."""
    m = o.measure
    if m.agg or m.col in sk.group_by:
        return o
    same = next((x for x in sk.select if x.agg and x.col == m.col), None)
    return Order(same, o.desc) if same else None


def _complete_grouping(sk: _Sketch) -> None:
    """Make the sketch a valid aggregate query. Plain columns beside an aggregate are what
    it is computed per ("the year with the most concerts" ranks years by a count, so the
    years become the GROUP BY); then every selected and ordering key must be grouped or
    aggregated."""
    plain = [m.col for m in sk.select if m.agg is None and m.col is not None]
    ranked_by_agg = any(o.measure.agg for o in sk.order_by)
    aggregated = ranked_by_agg or any(m.agg for m in sk.select)
    if not sk.group_by and plain and aggregated:
        sk.group_by.extend(dict.fromkeys(plain))
        if ranked_by_agg:  # the ranking measure is not asked for, only the ranked rows
            sk.select = [m for m in sk.select if m.agg is None]
    if sk.group_by:  # a column neither grouped nor aggregated has no single value per group
        sk.select = [m for m in sk.select if m.agg or m.col in sk.group_by] or sk.select
    if sk.group_by or aggregated:
        sk.order_by = [o for o in (_per_group(o, sk) for o in sk.order_by) if o]


def _column_like(table: Table, word: str) -> Column | None:
    return next((c for c in table.columns if word in c.name.lower()), None)


def _time_column(catalog: Catalog, tables: list[str]) -> ColRef | None:
    """The time column of the first table that is a time series (a date in its key), else
    the first date/datetime column of those tables."""
    names = list(dict.fromkeys(tables))
    for keyed_only in (True, False):
        for name in names:
            table = _table(catalog, name)
            times = [c for c in table.columns if c.type_class in ("date", "datetime")]
            if keyed_only:
                times = [c for c in times if c.name in table.primary_key]
            if times:
                return ColRef(table.name, times[0].name)
    return None


def _measured_tables(sk: _Sketch, mentions: list[ColumnLink], base: Table) -> list[str]:
    asked = [m.col.table for m in sk.select + [o.measure for o in sk.order_by] if m.col]
    return [*asked, *[m.table for m in mentions], base.name]


def _latest(sk: _Sketch, cues: list[Cue], catalog: Catalog, base: Table,
            mentions: list[ColumnLink]) -> None:
    """"latest/最新": the rows at the newest time of the time series the question measures."""
    latest = [c for c in cues if c.intent == "latest"]
    if not latest or sk.latest or any(isinstance(f.value, dt.date) for f in sk.filters):
        return
    tables = _measured_tables(sk, mentions, base)
    for name in dict.fromkeys(tables):
        table = _table(catalog, name)
        keyed = [c for c in table.columns
                 if c.type_class in ("date", "datetime") and c.name in table.primary_key]
        if keyed:
            sk.latest = ColRef(table.name, keyed[0].name)
            break
    for c in latest:
        sk.used.update(range(c.start, c.end))


def _dates(s: SchemaSlice, sk: _Sketch, cues: list[Cue], catalog: Catalog, base: Table,
           mentions: list[ColumnLink]) -> None:
    """Explicit dates filter the time column of the measured table (a day, month or year)."""
    valued = {i for v in s.values for i in range(v.start, v.end)}
    for d in s.dates:
        if set(range(d.start, d.end)) <= valued:
            continue  # "2014" stored as a value of a year column: a value filter already
        ref = _time_column(catalog, [m.table for m in mentions] + [base.name])
        if ref is None:
            continue
        col = _column(catalog, ref)
        op = next((c.intent for c in cues if c.intent in _COMPARE
                   and (0 <= d.start - c.end <= 1 or 0 <= c.start - d.end <= 1)), None)
        sk.filters += _date_filters(ref, col is not None and col.type_class == "datetime",
                                    d.low, d.high, op)
        sk.used.update(range(d.start, d.end))


def _date_filters(ref: ColRef, is_datetime: bool, low: dt.date, high: dt.date,
                  op: str | None) -> list[Filter]:
    """[low, high] days as predicates; timestamps compare with the next midnight."""
    start = dt.datetime.combine(low, dt.time()) if is_datetime else low
    after = dt.datetime.combine(high + dt.timedelta(days=1), dt.time()) if is_datetime \
        else high + dt.timedelta(days=1)
    if op in ("gt", "ge"):  # "2023年以来", "since March 2024", "after 2023"
        return [Filter(ref, ">=", start if op == "ge" else after)]
    if op in ("lt", "le"):
        return [Filter(ref, "<", start if op == "lt" else after)]
    if low == high and not is_datetime:
        return [Filter(ref, "=", low)]
    return [Filter(ref, ">=", start), Filter(ref, "<", after)]


_PROJECT_MIN = 0.5
_NAME_WORDS = ("name", "title", "名称", "简称", "名")


def _named_column(table: Table) -> Column | None:
    texts = [c for c in table.columns if c.type_class == "text"]
    for word in _NAME_WORDS:
        hit = next((c for c in texts if word in c.name.lower() or word in c.comment), None)
        if hit:
            return hit
    return None


def _label(catalog: Catalog, table: Table) -> ColRef | None:
    """The column that names a row: its own *name*/*title* column, else the name of the
    entity its first key refers to (a daily bar is named by its security), else the
    first text column."""
    own = _named_column(table)
    if own is not None:
        return ColRef(table.name, own.name)
    for e in join_edges(catalog):
        ref = catalog.table(e.ref_table)
        if e.table == table.name and ref is not None and (named := _named_column(ref)):
            return ColRef(ref.name, named.name)
    texts = [c for c in table.columns if c.type_class == "text"] or list(table.columns)
    return ColRef(table.name, texts[0].name) if texts else None


def _projection(s: SchemaSlice, sk: _Sketch, cues: list[Cue], mentions: list[ColumnLink],
                catalog: Catalog, base: Table) -> None:
    filtered = {f.col for f in sk.filters}
    for m in mentions:
        if set(range(m.start, m.end)) & sk.used:
            continue
        ref = _ref(m)
        if m.score < _PROJECT_MIN:
            continue  # one shared word ("listed" ~ list_date) is too weak to select a column
        # A column only named to say which value was meant ("country France") is a filter.
        if ref in filtered or any(x.col == ref and x.agg is None for x in sk.select):
            sk.used.update(range(m.start, m.end))
            continue
        sk.select.append(Measure(None, ref))
        sk.used.update(range(m.start, m.end))
    _which(s, sk, cues, catalog)
    if not sk.select:
        if any(c.intent == "select_all" for c in cues):
            sk.select.append(Measure(None, None))
        else:
            sk.select.append(Measure(None, _label(catalog, _rows_noun(s, catalog, base))))
    _show_ranking(sk)
    if any(c.intent == "distinct" for c in cues) and all(m.agg is None for m in sk.select):
        sk.distinct = True


_TRAILING = frozenset("呢 吗 吧 啊 ? ？ 是 哪 些 有 什 么 谁 的".split())


def _rows_noun(s: SchemaSlice, catalog: Catalog, base: Table) -> Table:
    """The table a Chinese question ends on names the rows it asks for ("…的十只股票");
    otherwise the base table."""
    if s.lang != "zh":
        return base
    for t in sorted(s.table_mentions,
                    key=lambda t: (-t.end, _hops(catalog, base.name, t.table), -t.score)):
        if all(tok.text in _TRAILING for tok in s.tokens[t.end:]):
            return _table(catalog, t.table)
    return base


def _show_ranking(sk: _Sketch) -> None:
    """A top-k list (k > 1) shows what it is ranked by: "成交额最高的5只股票" reads out the
    names with their amounts."""
    if sk.limit is None or sk.limit < 2:
        return
    for o in sk.order_by:
        if o.measure.col is not None and o.measure not in sk.select:
            sk.select.append(o.measure)


def _which(s: SchemaSlice, sk: _Sketch, cues: list[Cue], catalog: Catalog) -> None:
    """"which industry has the highest average change": the rows asked for are named by
    the label of the table after "which"; aggregates are then computed per row."""
    if any(m.agg is None and m.col for m in sk.select):
        return
    for c in cues:
        if c.intent != "which":
            continue
        named = next((t for t in s.table_mentions if 0 <= t.start - c.end <= 1), None)
        label = _label(catalog, _table(catalog, named.table)) if named else None
        if label is not None:
            sk.select.insert(0, Measure(None, label))
            sk.used.update(range(named.start, named.end))  # type: ignore[union-attr]
            return


def _confidence(s: SchemaSlice, sk: _Sketch, cues: list[Cue]) -> float:
    """Share of content tokens the sketch explains (links, values, numbers, cue words)."""
    explained = set(sk.used)
    for c in cues:
        explained.update(range(c.start, c.end))
    for t in s.table_mentions:
        explained.update(range(t.start, t.end))
    content = [i for i, t in enumerate(s.tokens) if len(t.text) > 2 or t.is_cjk]
    if not content:
        return 0.0
    return round(len([i for i in content if i in explained]) / len(content), 3)
