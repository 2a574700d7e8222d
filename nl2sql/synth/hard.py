"""Hard cases on purpose: confusable columns, ambiguous wording, unanswerable asks.

Two columns of one table are confusable when their names differ by little: the same
Chinese name but its last character (成交量 / 成交额, 涨跌幅 / 涨跌额) or English names of
two or more words differing in one (close price / open price). A question that says only
their shared part (成交, price) is ambiguous between them; a question about an attribute
the schema lacks (市盈率 where no column holds it) is unanswerable.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from nl2sql.generate.plan import ColRef
from nl2sql.synth.phrases import column_names, table_names
from nl2sql.synth.render import Mention, Piece
from nl2sql.synth.schema_view import SchemaView

__all__ = ["Twins", "missing_attributes", "splice", "swap_column"]


def _shared(a: str, b: str, lang: str) -> str:
    """The part two names share, when they differ in one trailing character or one word.

    >>> _shared("成交量", "成交额", "zh"), _shared("close price", "open price", "en")
    ('成交', 'price')
    """
    if lang == "zh":
        same = len(a) == len(b) >= 3 and a[:-1] == b[:-1] and a != b
        return a[:-1] if same else ""
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb) or len(wa) < 2:
        return ""
    common = [x for x, y in zip(wa, wb, strict=True) if x == y]
    return " ".join(common) if len(common) == len(wa) - 1 else ""


class Twins:
    """Confusable column pairs of a schema, with the words they share per language."""

    def __init__(self, view: SchemaView) -> None:
        self.shared: dict[ColRef, dict[ColRef, dict[str, str]]] = {}
        for name, tv in view.tables.items():
            cols = tv.measures + tv.dims
            for i, a in enumerate(cols):
                for b in cols[i + 1:]:
                    words = self._words(tv.table, a, b)
                    if words:
                        ra, rb = ColRef(name, a.name), ColRef(name, b.name)
                        self.shared.setdefault(ra, {})[rb] = words
                        self.shared.setdefault(rb, {})[ra] = words

    @staticmethod
    def _words(table: Any, a: Any, b: Any) -> dict[str, str]:
        na, nb = column_names(table, a), column_names(table, b)
        out = {lang: _shared(na.of(lang)[0], nb.of(lang)[0], lang) for lang in ("zh", "en")}
        return out if any(out.values()) else {}

    def of(self, ref: ColRef) -> dict[ColRef, dict[str, str]]:
        return self.shared.get(ref, {})


def swap_column(value: Any, old: ColRef, new: ColRef) -> Any:
    """The intent (any nest of frozen dataclasses and tuples) with `old` read as `new`."""
    if value == old:
        return new
    if isinstance(value, tuple):
        return tuple(swap_column(v, old, new) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: swap_column(getattr(value, f.name), old, new)
                   for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def splice(piece: Piece, index: int, text: str, kind: str, ref: str) -> Piece:
    """The piece with mention `index` rewritten as `text`, later mentions shifted."""
    m = piece.mentions[index]
    shift = len(text) - (m.end - m.start)
    moved = []
    for i, other in enumerate(piece.mentions):
        if i == index:
            moved.append(Mention(m.start, m.start + len(text), text, kind, ref))
        elif other.start >= m.end:
            moved.append(dataclasses.replace(other, start=other.start + shift,
                                             end=other.end + shift))
        else:
            moved.append(other)
    return Piece(piece.text[:m.start] + text + piece.text[m.end:], tuple(moved))


def missing_attributes(view: SchemaView, words: dict[str, list[str]]) -> dict[str, list[str]]:
    """The listed attributes no table or column of the schema names, per language."""
    seen: list[str] = []
    for tv in view.tables.values():
        seen += [*table_names(tv.table).zh, *table_names(tv.table).en]
        for c in tv.table.columns:
            names = column_names(tv.table, c)
            seen += [*names.zh, *names.en]
    text = " ".join(seen).lower()
    return {lang: [w for w in attrs if not any(part in text for part in w.lower().split())]
            for lang, attrs in words.items()}
