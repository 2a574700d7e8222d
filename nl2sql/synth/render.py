"""Templates filled slot by slot, so every filled span knows what it verbalizes.

A question is assembled from Pieces: text plus the mentions inside it. Joining pieces
shifts their mentions, so the character offsets of the final question are exact by
construction, whatever noise or wording a slot chose.

>>> p = Piece("收盘价", (Mention(0, 3, "收盘价", "column", "daily_bar.close"),))
>>> q = fill("{C}的{M}", {"C": Piece("上海"), "M": p}, lambda name: Piece(name))
>>> q.text, [(m.start, m.end, q.text[m.start:m.end]) for m in q.mentions]
('上海的收盘价', [(3, 6, '收盘价')])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

__all__ = ["Mention", "Piece", "cue_meaning", "fill", "join", "slots_of"]

_SLOT = re.compile(r"\{(\w+)\}")

_AGGS = {"count": "count", "avg": "avg", "sum": "sum", "max": "max", "min": "min",
         "count_distinct": "count_distinct", "pct": "pct"}
_OPS = {"gt": ">", "lt": "<", "ge": ">=", "le": "<=", "ne": "!=", "eq": "=", "like": "like",
        "in": "in", "between": "between", "is_null": "is null", "not_null": "is not null"}
_SUFFIXES = ("_pre", "_post", "_q", "_time", "_sort", "_by", "_top")


@dataclass(frozen=True)
class Mention:
    """Question text [start, end) verbalizes `ref` (a table, table.column, aggregate, ...).

    kind: table, column, value, number, date, agg, op, order, group, distinct, latest,
    setop, missing. For values, numbers and dates `value` is the literal the query uses.
    """

    start: int
    end: int
    text: str
    kind: str
    ref: str
    value: str | None = None

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"start": self.start, "end": self.end, "text": self.text,
                                "kind": self.kind, "ref": self.ref}
        if self.value is not None:
            d["value"] = self.value
        return d


@dataclass(frozen=True)
class Piece:
    """Text with the mentions inside it (offsets relative to this text)."""

    text: str
    mentions: tuple[Mention, ...] = ()

    def __add__(self, other: Piece) -> Piece:
        shift = len(self.text)
        moved = tuple(replace(m, start=m.start + shift, end=m.end + shift)
                      for m in other.mentions)
        return Piece(self.text + other.text, self.mentions + moved)

    @classmethod
    def mention(cls, text: str, kind: str, ref: str, value: str | None = None) -> Piece:
        """One span that is wholly a mention."""
        return cls(text, (Mention(0, len(text), text, kind, ref, value),))


def join(pieces: Iterable[Piece], sep: str = "") -> Piece:
    out = Piece("")
    for i, p in enumerate(pieces):
        out = out + Piece(sep) + p if i else out + p
    return out


def slots_of(template: str) -> list[str]:
    return _SLOT.findall(template)


def fill(template: str, slots: Mapping[str, Piece], cue: Callable[[str], Piece]) -> Piece:
    """The template with each {slot} replaced: from `slots`, else a cue word `cue(name)`."""
    out = Piece("")
    pos = 0
    for m in _SLOT.finditer(template):
        out = out + Piece(template[pos:m.start()])
        name = m.group(1)
        out = out + (slots[name] if name in slots else cue(name))
        pos = m.end()
    return out + Piece(template[pos:])


def cue_meaning(name: str) -> tuple[str, str]:
    """(kind, ref) a cue slot stands for: "avg_post" is the aggregate avg, "gt_time" is >.

    >>> cue_meaning("avg_post"), cue_meaning("gt_time"), cue_meaning("desc_sort")
    (('agg', 'avg'), ('op', '>'), ('order', 'desc'))
    """
    base = name
    for suffix in _SUFFIXES:
        if base.endswith(suffix) and base != suffix:
            base = base[: -len(suffix)]
            break
    if base in _AGGS:
        return "agg", _AGGS[base]
    if base in _OPS:
        return "op", _OPS[base]
    if base in ("desc", "asc"):
        return "order", base
    if base == "sort":  # sort_by: 按 (ordering), not 按 (grouping)
        return "order", "by"
    if base in ("union", "intersect", "except"):
        return "setop", base
    if base == "group":
        return "group", "group"
    return base, base
