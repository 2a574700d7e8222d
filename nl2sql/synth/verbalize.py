"""Intents written as Chinese and English questions from synth_queries/verbalize.toml.

Every slot the writer fills records its mention (see render.Piece), so the alignment of
each question span to a table, column, value, number, aggregate, comparison or order cue
is exact. Noise (spoken numbers, homophones, fillers) is applied inside slots too.
"""

from __future__ import annotations

import datetime as dt
import random
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from nl2sql.assets import asset_path
from nl2sql.generate.plan import ColRef, Measure
from nl2sql.synth.intent import Condition, Intent
from nl2sql.synth.noise import HomophoneIndex, en_number, zh_number
from nl2sql.synth.phrases import Names, column_names, table_names
from nl2sql.synth.render import Piece, cue_meaning, fill, join
from nl2sql.synth.schema_view import SchemaView

__all__ = ["Style", "Writer", "templates"]

# Constructs written with another construct's frames.
_FRAMES = {"nested": "project", "count_distinct": "agg"}
_HAVING_CUES = {">": "gt", "<": "lt", ">=": "ge", "<=": "le"}
_EN_MONTHS = ("January February March April May June July August September October "
              "November December").split()


@cache
def templates() -> dict[str, Any]:
    with open(asset_path("synth_queries", "verbalize.toml"), "rb") as f:
        return tomllib.load(f)


@dataclass(frozen=True)
class Style:
    """How noisy one question is: numbers read out, a homophone slip, fillers."""

    spoken_numbers: bool = False
    homophones: bool = False
    fillers: bool = False

    @property
    def noisy(self) -> bool:
        return self.spoken_numbers or self.homophones or self.fillers


class Writer:
    """Writes questions in one language over one schema."""

    def __init__(self, view: SchemaView, lang: str, homophones: HomophoneIndex | None = None
                 ) -> None:
        self.view = view
        self.lang = lang
        self.t = templates()[lang]
        self.homophones = homophones
        self._names: dict[tuple[str, str], Names] = {}

    # -- schema words ---------------------------------------------------------------------

    def names(self, table: str, column: str = "") -> Names:
        key = (table, column)
        if key not in self._names:
            tv = self.view.tables[table]
            col = tv.table.column(column) if column else None
            self._names[key] = column_names(tv.table, col) if col else table_names(tv.table)
        return self._names[key]

    def table(self, name: str, rng: random.Random, singular: bool = False) -> Piece:
        names = self.names(name)
        choices = names.en1 if singular and self.lang == "en" else names.of(self.lang)
        return Piece.mention(rng.choice(choices), "table", name)

    def column(self, ref: ColRef, rng: random.Random, base: str = "") -> Piece:
        phrase = Piece.mention(rng.choice(self.names(ref.table, ref.column).of(self.lang)),
                               "column", f"{ref.table}.{ref.column}")
        if base and ref.table != base and rng.random() < 0.6:
            owner = self.table(ref.table, rng, singular=True)
            return owner + Piece("的" if self.lang == "zh" else " ") + phrase
        return phrase

    def cue(self, name: str, rng: random.Random) -> Piece:
        kind, ref = cue_meaning(name)
        return Piece.mention(rng.choice(self.t["cue"][name]), kind, ref)

    # -- literals -------------------------------------------------------------------------

    def value(self, ref: ColRef, value: Any, rng: random.Random, style: Style) -> Piece:
        text = str(value)
        if style.homophones and self.homophones is not None:
            text = self.homophones.slip(text, rng) or text
        return Piece.mention(text, "value", f"{ref.table}.{ref.column}", str(value))

    def number(self, ref: str, value: int | float, rng: random.Random, style: Style,
               unit: str = "") -> Piece:
        say = zh_number if self.lang == "zh" else en_number
        text = say(value, rng, style.spoken_numbers)
        piece = Piece.mention(text, "number", ref, str(value))
        if unit and self.lang == "zh" and rng.random() < 0.5 and not unit.startswith(("万", "亿")):
            piece = piece + Piece(unit)
        return piece

    def date(self, ref: ColRef, day: dt.date, grain: str, rng: random.Random) -> Piece:
        if self.lang == "zh":
            text = {"year": f"{day.year}年", "month": f"{day.year}年{day.month}月"}.get(
                grain, rng.choice((f"{day.year}年{day.month}月{day.day}日", day.isoformat())))
        else:
            month = _EN_MONTHS[day.month - 1]
            text = {"year": str(day.year), "month": f"{month} {day.year}"}.get(
                grain, rng.choice((f"{month} {day.day}, {day.year}", day.isoformat())))
        return Piece.mention(text, "date", f"{ref.table}.{ref.column}", day.isoformat())

    # -- clauses --------------------------------------------------------------------------

    def condition(self, c: Condition, base: str, rng: random.Random, style: Style) -> Piece:
        slots: dict[str, Piece] = {"col": self.column(c.col, rng, base)}
        unit = self.names(c.col.table, c.col.column).unit
        ref = f"{c.col.table}.{c.col.column}"
        if c.kind in ("eq", "ne", "like"):
            slots["value"] = self.value(c.col, c.values[0], rng, style)
        elif c.kind == "in":
            slots["value"] = self.value(c.col, c.values[0], rng, style)
            slots["value2"] = self.value(c.col, c.values[1], rng, style)
        elif c.kind in ("gt", "lt", "ge", "le"):
            slots["num"] = self.number(ref, c.values[0], rng, style, unit)
        elif c.kind == "between":
            slots["num"] = self.number(ref, c.values[0], rng, style, unit)
            slots["num2"] = self.number(ref, c.values[1], rng, style, unit)
        elif c.kind in ("date_eq", "date_after", "date_before"):
            slots["date"] = self.date(c.col, c.values[0], "day", rng)
        elif c.kind == "window":
            slots["date"] = self.date(c.col, c.values[0], c.values[2], rng)
        elif c.kind in ("has", "has_no"):
            assert c.sub is not None
            slots["ST"] = self.table(c.sub.base, rng)
            slots["SC"] = self.conditions(c.sub.conditions, c.sub.base, rng, style)
        return fill(rng.choice(self.t["cond"][c.kind]), slots, lambda n: self.cue(n, rng))

    def conditions(self, conds: tuple[Condition, ...], base: str, rng: random.Random,
                   style: Style, modifier: bool = True) -> Piece:
        """zh: a modifier ending in 的 (or without it); en: clauses after the noun."""
        if not conds:
            return Piece("")
        pieces = [self.condition(c, base, rng, style) for c in conds]
        if self.lang == "zh":
            joined = join(pieces, rng.choice(("且", "并且", "、")))
            return joined + Piece("的") if modifier else joined
        return join(pieces, " and")

    def measure(self, m: Measure, base: str, rng: random.Random) -> Piece:
        key = "count_distinct" if m.distinct else (m.agg or "count")
        slots = {"T": self.table(base, rng)}
        if m.col is not None:
            slots["col"] = self.column(m.col, rng, base)
        return fill(rng.choice(self.t["measure"][key]), slots, lambda n: self.cue(n, rng))

    def columns(self, cols: list[ColRef], base: str, rng: random.Random) -> Piece:
        sep = rng.choice(("和", "、")) if self.lang == "zh" else " and "
        return join([self.column(c, rng, base) for c in cols], sep)

    # -- questions ------------------------------------------------------------------------

    def question(self, intent: Intent, rng: random.Random, style: Style,
                 override: dict[str, Piece] | None = None) -> Piece:
        """One question for the intent; `override` replaces slots (hard cases)."""
        slots = self._slots(intent, rng, style)
        slots.update(override or {})
        frame = _FRAMES.get(intent.construct, intent.construct)
        frames = self.t["frame"][frame]
        if slots["C"].text:  # a frame must say every condition the query has
            frames = [f for f in frames if "{C}" in f]
        text = fill(rng.choice(frames), slots, lambda n: self.cue(n, rng))
        if style.fillers:
            noise = self.t["noise"]
            end = text.text[-1:] if text.text[-1:] in ("?", ".", "？") else ""
            body = Piece(text.text[: len(text.text) - len(end)], text.mentions)
            text = Piece(rng.choice(noise["prefix"])) + body + Piece(
                rng.choice(noise["suffix"]) + end)
        return text

    def _slots(self, intent: Intent, rng: random.Random, style: Style) -> dict[str, Piece]:
        base = intent.base
        slots = {"T": self.table(base, rng), "T1": self.table(base, rng, singular=True),
                 "C": Piece("") if intent.set_op else self.conditions(intent.conditions, base,
                                                                          rng, style)}
        shown = [m.col for m in intent.select if m.agg is None and m.col is not None
                 and m.col != intent.group]
        if shown:
            slots["P"] = self.columns(shown, base, rng)
        aggregates = [m for m in intent.select if m.agg not in (None, "pct")]
        if aggregates:
            slots["M"] = self.measure(aggregates[0], base, rng)
        if intent.group is not None:
            slots["G"] = self.column(intent.group, rng, base)
        elif intent.distinct and shown:
            slots["G"] = slots["P"]
        if intent.having is not None:
            h = intent.having
            slots["M"] = self.measure(h.measure, base, rng)
            slots["op"] = self.cue(_HAVING_CUES[h.op], rng)
            slots["num"] = self.number("having", h.value, rng, style)
        if intent.order is not None:
            direction = "desc" if intent.order.desc else "asc"
            slots["D"] = self.cue(direction, rng)
            slots["D_sort"] = self.cue(direction + "_sort", rng)
            if intent.order.measure.agg is None and intent.order.measure.col is not None:
                slots["O"] = self.column(intent.order.measure.col, rng, base)
            else:
                slots["M"] = self.measure(intent.order.measure, base, rng)
        if intent.limit is not None:
            slots["K"] = self.number("limit", intent.limit, rng, style)
        if intent.set_op is not None and intent.other is not None:
            slots["A"] = self.conditions(intent.conditions, base, rng, style, modifier=False)
            slots["B"] = self.conditions(intent.other.conditions, base, rng, style,
                                         modifier=False)
            slots["setop"] = self.cue(intent.set_op, rng)
        pct = next((m for m in intent.select if m.agg == "pct" and m.where), None)
        if pct is not None and pct.where is not None:
            cond = Condition("eq", pct.where.col, (pct.where.value,))
            slots["R"] = self.conditions((cond,), base, rng, style, modifier=False)
        return slots
