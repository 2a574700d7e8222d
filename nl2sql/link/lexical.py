"""Lexical schema linking: question n-grams matched to table, column and value names.

Names come from identifiers (split into words, stemmed), from both halves of bilingual
comments ("收盘价 | Close price | 元"), and from every contiguous part of a multi-word
name with a partial weight. Values come from the catalog's value index plus the
entity values collected per database (see values.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import TypeVar

from nl2sql.catalog.model import Catalog
from nl2sql.errors import ClarificationNeeded
from nl2sql.lexicon import load_lexicon
from nl2sql.link.fuzzy import EntityMatcher
from nl2sql.link.schema_slice import (
    ColumnLink,
    DateSpan,
    NumberLink,
    QuotedText,
    SchemaSlice,
    TableLink,
    ValueLink,
)
from nl2sql.link.spoken import names_to_protect, normalize_spoken
from nl2sql.link.timeexpr import TradingCalendar, resolve_times
from nl2sql.link.values import EntityValue, master_tables
from nl2sql.text import Token, has_cjk, identifier_words, language, normalize, stem, tokenize

__all__ = ["SchemaIndex", "link"]

_STOP = frozenset("a an the of in on at to for by and or is are was were be with from as it "
                  "this that what which who whom whose how id no yes all any".split())
_QUOTED = re.compile(r"[\"'“”‘’「」『』]([^\"'“”‘’「」『』]{1,80})[\"'“”‘’「」『』]")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_MAX_SPAN = 12
_Span = TypeVar("_Span", ColumnLink, TableLink)
_PARTIAL = 0.7
_PREFIX_WORDS = 2  # shortest leading part of a latin value that may name it
_PREFIX_CJK = 3
_ENTITY_MIN = 0.8  # weakest noisy entity match taken as a value link anywhere
# ... and where its words name nothing else (no table, column, time or stored value): one
# dropped or wrong character of a four-character name (友设计 -> 三友设计) scores 0.75.
_ENTITY_WEAK = 0.75  # weight of a part of a multi-word name, times its share of the words


@dataclass(frozen=True)
class _Entry:
    table: str
    column: str | None  # None for the table itself
    weight: float


@dataclass
class SchemaIndex:
    """Phrase and value dictionaries of one catalog, built once per database."""

    catalog: Catalog
    # Stored names that spoken-number rewriting must leave alone (三一重工, 五粮液).
    protected: frozenset[str] = frozenset()
    # Names of master entities (securities, indexes) for noisy mentions: 贵州毛台, GZMT, 600519.
    entities: EntityMatcher = field(default_factory=EntityMatcher)
    _full: dict[tuple[str, ...], set[tuple[str, str, str]]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], list[_Entry]] = field(default_factory=lambda: defaultdict(list))
    # key -> (table, column, value, score); score < 1 for a unique leading part of a value
    values: dict[tuple[str, ...], list[tuple[str, str, str, float]]] = field(
        default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, catalog: Catalog, entity_values: Iterable[EntityValue] = (),
              phrases: Iterable[tuple[str, str, str | None]] = ()) -> SchemaIndex:
        """Index names, comments and values; `phrases` adds (text, table, column or None)
        names learned elsewhere (a plan model learns them from synthetic questions)."""
        index = cls(catalog)
        for table in catalog.tables:
            index._add_names(table.name, None, _names(table.name, table.comment))
            own = tuple(stem(w) for w in identifier_words(table.name))
            for col in table.columns:
                index._add_names(table.name, col.name, _names(col.name, col.comment, own))
                for v in col.values:
                    index._add_value(table.name, col.name, v)
        for text, table_name, column in phrases:
            known = catalog.table(table_name)
            if known is None or (column is not None and known.column(column) is None):
                continue
            key = tuple(t.key for t in tokenize(normalize(text)))
            if key and not any(e.table == known.name and e.column == column
                               for e in index.phrases.get(key, ())):
                index._add_names(known.name, column, [key])
        for e in entity_values:
            index._add_value(e.table, e.column, e.value)
        index._add_prefixes()
        named = _entity_names(catalog, entity_values)
        # Any stored name, a fund's 博时蓝筹精选二号 as well as a security's, stays as stored
        # (whether the value index or the entity values hold it).
        every = {t.name for t in catalog.tables}
        indexed = [EntityValue(t.name, c.name, str(v), str(v)) for t in catalog.tables
                   for c in t.columns for v in c.values]
        index.protected = names_to_protect(
            e.value for e in _names_of(catalog, [*entity_values, *indexed], every))
        index.entities = EntityMatcher.build((e.table, e.column, e.value, e.key) for e in named)
        return index

    def _add_names(self, table: str, column: str | None, names: list[tuple[str, ...]]) -> None:
        best: dict[tuple[str, ...], float] = {}
        for words in names:
            n = len(words)
            for i in range(n):
                for j in range(i + 1, n + 1):
                    part = words[i:j]
                    if all(w in _STOP for w in part) or (len(part) == 1 and _is_lone_cjk(part)):
                        continue
                    w = 1.0 if j - i == n else _PARTIAL * (j - i) / n
                    best[part] = max(best.get(part, 0.0), w)
        for part, w in best.items():
            self.phrases[part].append(_Entry(table, column, w))

    def _add_value(self, table: str, column: str, value: str) -> None:
        key = tuple(t.key for t in tokenize(normalize(str(value))))
        if not key or _too_plain(key):
            return
        self._full.setdefault(key, set()).add((table, column, str(value)))

    def _add_prefixes(self) -> None:
        """Index values, and leading parts of long values that name one value of their
        column: "Kweichow Moutai" for "Kweichow Moutai Co., Ltd.", 易方达 for 易方达基金管理有限公司."""
        parts: dict[tuple[str, ...], dict[tuple[str, str], set[str]]] = {}
        for key, entries in self._full.items():
            if len(key) <= _MAX_SPAN:
                self.values[key] = [(t, c, v, 1.0) for t, c, v in sorted(entries)]
            shortest = _PREFIX_CJK if has_cjk(key[0]) else _PREFIX_WORDS
            for n in range(shortest, min(len(key), _MAX_SPAN + 1)):
                for t, c, v in entries:
                    parts.setdefault(key[:n], {}).setdefault((t, c), set()).add(v)
        for key, by_column in parts.items():
            if key in self._full:
                continue
            unique = [(t, c, next(iter(vs)), 0.8) for (t, c), vs in by_column.items()
                      if len(vs) == 1]
            if unique:
                self.values[key] = sorted(unique)


_NAMING = re.compile(r"name|code|symbol|abbr|pinyin|title|名称|简称|代码|拼音|全称", re.I)


def _entity_names(catalog: Catalog, values: Iterable[EntityValue]) -> list[EntityValue]:
    """Names and codes of master entities (securities, indexes): what a spoken question
    names, so what noisy matching and number rewriting must know."""
    return _names_of(catalog, values, master_tables(catalog))


def _names_of(catalog: Catalog, values: Iterable[EntityValue],
              tables: set[str]) -> list[EntityValue]:
    """The values of naming columns (name, code, 简称 ...) of these tables."""
    naming = {(t.name, c.name) for t in catalog.tables if t.name in tables
              for c in t.columns if _NAMING.search(f"{c.name} {c.comment}")}
    return [e for e in values if (e.table, e.column) in naming]


def _names(identifier: str, comment: str, table_words: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Token-key sequences naming one table or column.

    Inside its table a column is also named without the table's own words: in table
    `lake`, "name" fully names `lake_name`.
    """
    texts = [" ".join(identifier_words(identifier))]
    # Bilingual comments: "中文名 | English name | unit"; the unit is not a name.
    parts = [p.strip() for p in comment.split("|")] if comment else []
    texts += parts[:2] if len(parts) >= 2 else parts[:1]
    lexicon = load_lexicon()
    texts += [v for t in texts for v in lexicon.variants(t)]
    names = [tuple(t.key for t in tokenize(normalize(t))) for t in texts if t]
    if table_words and names and names[0][:len(table_words)] == table_words \
            and len(names[0]) > len(table_words):
        names.append(names[0][len(table_words):])
    return names


def _is_lone_cjk(part: tuple[str, ...]) -> bool:
    return has_cjk(part[0])


def _too_plain(key: tuple[str, ...]) -> bool:
    """Values that would match everywhere: stopwords, short bare numbers, single CJK chars."""
    if len(key) == 1:
        k = key[0]
        return k in _STOP or (_NUMBER.match(k) is not None and len(k) < 4) or has_cjk(k)
    return False


def link(index: SchemaIndex, question: str, *, as_of: date | None = None,
         calendar: TradingCalendar | None = None) -> SchemaSlice:
    """Link a question to the schema: the SchemaSlice with every mention and ranked tables.

    Spoken numbers are written as digits first (一千五百万 -> 15000000, 前十 -> 前10), so
    every later step, and the slice's question, sees the digits. Explicit dates and relative
    times (上个交易日, 最近5个交易日, last month) become date ranges, counted from `as_of`
    (default today) over the trading `calendar` (default: every day open).
    """
    question = normalize_spoken(_part_numbers(question), protect=index.protected)
    text = normalize(question)
    tokens = tokenize(text)
    keys = [t.key for t in tokens]
    times = _times(text, tokens, as_of, calendar)
    columns, table_hits = (_outside(times, found) for found in _match_names(index, keys))
    named = {i for m in [*columns, *table_hits, *times] for i in range(m.start, m.end)}
    exact = _match_values(index, keys)
    values = _match_entities(index, _without_times(text, tokens, times, exact), tokens, exact,
                             named)
    numbers = _numbers(tokens, values)
    tables = _rank_tables(index.catalog, table_hits, columns, values)
    lang = language(text)
    return SchemaSlice(text, lang, tuple(tokens), tables, tuple(table_hits), tuple(columns),
                       tuple(values), numbers, _quoted(question, tokens, values), times)


def _outside(times: tuple[DateSpan, ...], links: list[_Span]) -> list[_Span]:
    """Name mentions that share no word with a time expression: 上个交易日's 交易日 is a
    time, not the calendar table's trade-day column."""
    return [m for m in links if not any(m.start < d.end and d.start < m.end for d in times)]


# Where one number ends and the next begins: digits or letters next to spoken digits
# (沪深三百11月, 科创50十一月, GZMT十一月), and 十 after 十, which no single number has
# (上证五十十一月 is 50, 11月).
_NUMBER_BREAKS = (re.compile(r"(?<=[一二两三四五六七八九十百千零〇])(?=\d)"),
                  re.compile(r"(?<=[\da-zA-Z])(?=[一二两三四五六七八九十零〇])"),
                  re.compile(r"(?<=十)(?=十)"))


def _part_numbers(question: str) -> str:
    """A space between two adjacent numbers, so that writing the spoken ones as digits
    does not glue them together ("沪深三百11月16日" is not 30011月)."""
    for mixed in _NUMBER_BREAKS:
        question = mixed.sub(" ", question)
    return question


@cache
def _every_day() -> TradingCalendar:
    start = date(1970, 1, 1)
    return TradingCalendar([start + timedelta(days=i) for i in range(365 * 130)])


def _times(text: str, tokens: list[Token], as_of: date | None,
           calendar: TradingCalendar | None) -> tuple[DateSpan, ...]:
    """Time expressions, relative (over the trading calendar) and explicit, as date ranges
    over token spans. Without a calendar every day counts as open; without as_of, today."""
    spans = []
    for t in resolve_times(text, as_of=as_of or date.today(),
                           open_days=calendar or _every_day()):
        inside = [i for i, tok in enumerate(tokens) if t.start <= tok.start < t.end]
        if inside:
            spans.append(DateSpan(t.low, t.high, inside[0], inside[-1] + 1))
    return tuple(spans)


def _quoted(question: str, tokens: list[Token], values: list[ValueLink]) -> tuple[QuotedText, ...]:
    """Quoted phrases that no value link covers (searched with LIKE by the parser)."""
    original = " ".join(unicodedata.normalize("NFKC", question).split())
    out = []
    for m in _QUOTED.finditer(original):
        inside = [i for i, t in enumerate(tokens) if m.start(1) <= t.start < m.end(1)]
        if inside and not any(v.start <= inside[0] and inside[-1] < v.end for v in values):
            out.append(QuotedText(m.group(1).strip(), inside[0], inside[-1] + 1))
    return tuple(out)


def _spans(keys: list[str], longest: int) -> list[tuple[int, int, tuple[str, ...]]]:
    n = len(keys)
    return [(i, j, tuple(keys[i:j])) for i in range(n) for j in range(i + 1, min(n, i + longest) + 1)]


def _match_names(index: SchemaIndex, keys: list[str]) -> tuple[list[ColumnLink], list[TableLink]]:
    cols: list[ColumnLink] = []
    tables: list[TableLink] = []
    for i, j, key in _spans(keys, _MAX_SPAN):
        for e in index.phrases.get(key, ()):
            # Longer mentions are stronger evidence than one shared word.
            score = e.weight * (1.0 + 0.1 * (j - i - 1))
            if e.column is None:
                tables.append(TableLink(e.table, score, i, j))
            else:
                cols.append(ColumnLink(e.table, e.column, i, j, score))
    return _drop_shadowed(cols), _drop_shadowed(tables)


def _drop_shadowed(links: list) -> list:
    """Drop a mention whose span lies strictly inside a stronger mention's span."""
    def inside(a, b) -> bool:
        return b.start <= a.start and a.end <= b.end and (b.end - b.start) > (a.end - a.start)
    kept = [a for a in links if not any(inside(a, b) and b.score >= a.score for b in links)]
    best: dict[tuple, object] = {}
    for a in kept:  # one mention per (table, column, span)
        k = (a.table, getattr(a, "column", None), a.start, a.end)
        if k not in best or a.score > best[k].score:  # type: ignore[attr-defined]
            best[k] = a
    return list(best.values())


def _match_values(index: SchemaIndex, keys: list[str]) -> list[ValueLink]:
    found = [ValueLink(t, c, v, i, j, score) for i, j, key in _spans(keys, _MAX_SPAN)
             for t, c, v, score in index.values.get(key, ())]
    # Keep the longest value mentions; a value inside a longer value is the same mention.
    return [v for v in found if not any(
        o.start <= v.start and v.end <= o.end and (o.end - o.start) > (v.end - v.start)
        for o in found)]


def _without_times(text: str, tokens: list[Token], times: tuple[DateSpan, ...],
                   values: list[ValueLink]) -> str:
    """The text with its time expressions blanked out for the entity matcher: 今天 or 13日
    glued to a noisy name (11月13日友设计) is not part of it. A time inside a stored name
    (今天国际) is left alone."""
    for d in times:
        if any(v.start <= d.start and d.end <= v.end for v in values):
            continue
        a, b = tokens[d.start].start, tokens[d.end - 1].end
        text = text[:a] + "，" * (b - a) + text[b:]
    return text


def _match_entities(index: SchemaIndex, text: str, tokens: list[Token],
                    values: list[ValueLink], named: set[int]) -> list[ValueLink]:
    """Value links with entity mentions the exact value index missed or only partly saw:
    homophones from speech recognition (贵州毛台), pinyin initials (GZMT), code forms
    (SH600519), short aliases (茅台). A longer entity mention replaces shorter value links
    inside it (贵州 the province inside 贵州毛台). Two entities competing for one mention
    are a question to ask back, not a guess. A weaker mention is taken only where no
    schema name or time (token positions `named`) explains its words: 创业板股票 is the
    board's stocks, not 创业板指."""
    matches = index.entities.match(text, limit=10)
    out = list(values)
    for m in matches:
        span = [i for i, t in enumerate(tokens) if m.start <= t.start < m.end]
        if not span or m.score < _ENTITY_WEAK or _too_short(text[m.start:m.end]):
            continue
        start, end = span[0], span[-1] + 1
        if m.score < _ENTITY_MIN and named & set(range(start, end)):
            continue
        overlapping = [v for v in out if v.start < end and start < v.end]
        if any(v.end - v.start >= end - start or v.start < start or v.end > end
               for v in overlapping):
            continue  # an exact value at least as long already explains these words
        # Only a rival that would be taken on its own is an option to offer.
        rivals = sorted({r.value for r in matches if r.ambiguous and r.score >= _ENTITY_WEAK
                         and (r.start, r.end) == (m.start, m.end)})
        if m.ambiguous and len(rivals) > 1:
            raise ClarificationNeeded(
                f"'{text[m.start:m.end]}' could mean {' or '.join(rivals)}", rivals,
                mention=text[m.start:m.end])
        out = [v for v in out if v not in overlapping]
        out.append(ValueLink(m.table, m.column, m.value, start, end, m.score))
    return out


def _too_short(mention: str) -> bool:
    """Mentions too plain to be a noisy entity name: "a", "top 3"'s 3 (codes have 6 digits)."""
    m = mention.strip()
    if has_cjk(m):
        return len(m) < 2
    return len(m) < 3 or (m.isdigit() and len(m) < 6)


def _numbers(tokens: list[Token], values: list[ValueLink]) -> tuple[NumberLink, ...]:
    taken = {i for v in values for i in range(v.start, v.end)}
    out = []
    for i, t in enumerate(tokens):
        if i not in taken and _NUMBER.match(t.text):
            num = float(t.text) if "." in t.text else int(t.text)
            out.append(NumberLink(num, i, i + 1))
    return tuple(out)


def _rank_tables(catalog: Catalog, tables: list[TableLink], cols: list[ColumnLink],
                 values: list[ValueLink]) -> tuple[TableLink, ...]:
    # A table's score: its best own mention (twice weighted), plus the best mention of each
    # of its columns, plus its linked values.
    best: dict[str, TableLink] = {}
    for t in tables:
        if t.table not in best or t.score > best[t.table].score:
            best[t.table] = t
    best_col: dict[tuple[str, str], float] = {}
    for c in cols:
        best_col[(c.table, c.column)] = max(best_col.get((c.table, c.column), 0.0), c.score)
    total: dict[str, float] = defaultdict(float)
    for name, t in best.items():
        total[name] += 2.0 * t.score
    for (name, _), s in best_col.items():
        total[name] += s
    for v in values:
        total[v.table] += 1.5
    ranked = sorted(total.items(), key=lambda kv: (-kv[1], _table_order(catalog, kv[0])))
    return tuple(TableLink(t, s, best[t].start if t in best else -1,
                           best[t].end if t in best else -1) for t, s in ranked)


def _table_order(catalog: Catalog, name: str) -> int:
    return next((i for i, t in enumerate(catalog.tables) if t.name == name), 0)

