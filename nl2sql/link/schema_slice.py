"""What linking found in a question: the plain data handed to the generators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from nl2sql.text import Token

__all__ = ["Ambiguity", "ColumnLink", "DateSpan", "NumberLink", "QuotedText", "SchemaSlice",
           "TableLink", "ValueLink"]

MARGIN = 0.1  # relative score gap under which two links compete


@dataclass(frozen=True)
class TableLink:
    table: str
    score: float
    start: int = -1  # token span of the mention, -1 when only inferred from columns/values
    end: int = -1


@dataclass(frozen=True)
class ColumnLink:
    table: str
    column: str
    start: int
    end: int
    score: float  # 1.0 = the whole name was mentioned


@dataclass(frozen=True)
class ValueLink:
    table: str
    column: str
    value: str  # as stored in the database
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class NumberLink:
    value: float | int
    start: int
    end: int


@dataclass(frozen=True)
class DateSpan:
    """A time expression as an inclusive range of days, over a token span."""

    low: date
    high: date
    start: int
    end: int

    @property
    def is_day(self) -> bool:
        return self.low == self.high


@dataclass(frozen=True)
class QuotedText:
    text: str  # as written, case kept
    start: int
    end: int


@dataclass(frozen=True)
class Ambiguity:
    """A mention two or more columns compete for: 销量 -> 产品销量 or 区域销量?"""

    mention: str
    start: int
    end: int
    options: tuple[str, ...]  # "table.column", best first


@dataclass(frozen=True)
class SchemaSlice:
    """The linked question: tokens, ranked tables, column/value/number mentions (token spans)."""

    question: str
    lang: str
    tokens: tuple[Token, ...]
    tables: tuple[TableLink, ...]       # ranked, one per table
    table_mentions: tuple[TableLink, ...]  # every span naming a table
    columns: tuple[ColumnLink, ...]
    values: tuple[ValueLink, ...]
    numbers: tuple[NumberLink, ...]
    quoted: tuple[QuotedText, ...] = ()  # quoted phrases that are not values of the database
    dates: tuple[DateSpan, ...] = ()

    def evidence(self) -> list[str]:
        """Human-readable reasons for each link, for responses and debugging."""
        def span(s: int, e: int) -> str:
            return "".join(
                t.text if t.is_cjk else f" {t.text}" for t in self.tokens[s:e]).strip()
        out = [f"table {t.table} ({t.score:.2f})" for t in self.tables[:3]]
        out += [f"ambiguous '{a.mention}': {' or '.join(a.options)}" for a in self.ambiguities()]
        out += [f"'{span(c.start, c.end)}' -> {c.table}.{c.column}" for c in self.columns]
        out += [f"'{span(v.start, v.end)}' -> {v.table}.{v.column} = {v.value!r}"
                for v in self.values]
        return out

    def ambiguities(self, margin: float = MARGIN) -> tuple[Ambiguity, ...]:
        """Mentions whose best column links score within `margin` of each other, in
        tables ranked within `margin` of each other: the question does not say which."""
        rank = {t.table: t.score for t in self.tables}
        spans: dict[tuple[int, int], list[ColumnLink]] = {}
        for c in self.columns:
            spans.setdefault((c.start, c.end), []).append(c)
        out = []
        for (start, end), links in sorted(spans.items()):
            links.sort(key=lambda c: (-c.score, -rank.get(c.table, 0.0)))
            best, table_best = links[0].score, rank.get(links[0].table, 0.0)
            rivals = [c for c in links if c.score >= best * (1 - margin)
                      and rank.get(c.table, 0.0) >= table_best * (1 - margin)]
            options = tuple(dict.fromkeys(f"{c.table}.{c.column}" for c in rivals))
            if len(options) > 1:
                mention = "".join(t.text if t.is_cjk else f" {t.text}"
                                  for t in self.tokens[start:end]).strip()
                out.append(Ambiguity(mention, start, end, options))
        return tuple(out)
