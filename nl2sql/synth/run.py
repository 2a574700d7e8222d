"""synthesize(): sample, execute, keep, verbalize; in units that shard and merge exactly.

Work is cut into numbered units. Unit u draws everything from its own random generator
(seeded by the run's seed and u), so a unit gives the same pairs in any process; shard i/N
runs the units u with u % N == i. A query already produced by an earlier unit is dropped
(the earliest unit owns it), so merging shards in unit order (merge_pairs) gives exactly
what one process gives.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from nl2sql.backends.base import Backend
from nl2sql.catalog.model import Catalog
from nl2sql.errors import InputError
from nl2sql.generate.plan import ColRef, compile_plan
from nl2sql.synth.check import execute, sql_key, telling
from nl2sql.synth.hard import Twins, missing_attributes, splice, swap_column
from nl2sql.synth.hardness import spider_hardness
from nl2sql.synth.intent import Intent
from nl2sql.synth.noise import HomophoneIndex
from nl2sql.synth.record import SynthPair
from nl2sql.synth.render import Piece
from nl2sql.synth.sample import CONSTRUCTS, Sampler, nice_number
from nl2sql.synth.schema_view import SchemaView
from nl2sql.synth.values import ValuePool
from nl2sql.synth.verbalize import Style, Writer, templates

__all__ = ["Options", "merge_pairs", "synthesize", "unit_count"]

_ATTEMPTS = 6
_OVERSAMPLE = 1.6  # units planned per unit needed: some fail, some repeat earlier ones


@dataclass(frozen=True)
class Options:
    """Knobs of one run. `questions` is questions per SQL and language."""

    langs: tuple[str, ...] = ("zh", "en")
    questions: int = 2
    timeout_ms: int = 2000
    noise_rate: float = 0.3
    twin_rate: float = 0.5
    ambiguous_rate: float = 0.3
    unanswerable_rate: float = 0.06

    def __post_init__(self) -> None:
        bad = [lang for lang in self.langs if lang not in ("zh", "en")]
        if bad or not self.langs:
            raise InputError(f"languages must be zh and/or en, got {list(self.langs)}")


def unit_count(n: int, options: Options) -> int:
    """Units planned for n pairs."""
    return math.ceil(n / (len(options.langs) * options.questions) * _OVERSAMPLE) + 8


class _Generator:
    """Per-run state shared by units: schema view, value pool, writers, twins."""

    def __init__(self, catalog: Catalog, backend: Backend, seed: int, db_id: str,
                 options: Options) -> None:
        self.catalog = catalog
        self.backend = backend
        self.seed = seed
        self.db_id = db_id
        self.options = options
        self.view = SchemaView.build(catalog)
        self.tables = sorted(self.view.tables)
        if not self.tables:
            raise InputError("the database has no tables to write questions about")
        self.pool = ValuePool(backend, catalog, options.timeout_ms)
        names = [v for tv in self.view.tables.values() for c in tv.dims + tv.texts
                 for v in c.values + c.samples]
        homophones = HomophoneIndex(names)
        self.writers = {lang: Writer(self.view, lang, homophones) for lang in options.langs}
        self.twins = Twins(self.view)
        self.missing = missing_attributes(self.view, templates()["missing"])
        schedule = [name for name, (_, weight) in CONSTRUCTS.items() for _ in range(weight)]
        random.Random(seed).shuffle(schedule)
        self.schedule = schedule

    # -- one query ----------------------------------------------------------------------

    def _compile(self, intent: Intent) -> exp.Query | None:
        try:
            return compile_plan(intent.plan(), self.catalog)
        except Exception:  # noqa: BLE001 - a plan the schema cannot join is just skipped
            return None

    def _settle_having(self, intent: Intent, rng: random.Random) -> Intent | None:
        """Pick the HAVING threshold from the groups' own values."""
        assert intent.having is not None and intent.group is not None
        probe = dataclasses.replace(intent, select=(intent.having.measure,), having=None,
                                    construct="probe")
        tree = self._compile(probe)
        result = execute(self.backend, tree.sql(dialect=self.catalog.dialect),
                         self.options.timeout_ms) if tree else None
        values = sorted(r[0] for r in result.rows if isinstance(r[0], int | float)) \
            if result else []
        if len(values) < 3:
            return None
        pick = values[rng.randint(len(values) // 4, (3 * len(values)) // 4)]
        threshold = nice_number(float(pick) if not isinstance(pick, int) else pick)
        return dataclasses.replace(intent, having=dataclasses.replace(intent.having,
                                                                      value=threshold))

    def verified(self, intent: Intent, rng: random.Random) -> tuple[Intent, exp.Query] | None:
        if intent.having is not None and intent.having.value is None:
            settled = self._settle_having(intent, rng)
            if settled is None:
                return None
            intent = settled
        tree = self._compile(intent)
        if tree is None:
            return None
        result = execute(self.backend, tree.sql(dialect=self.catalog.dialect),
                         self.options.timeout_ms)
        return (intent, tree) if result is not None and telling(intent, result) else None

    def draw(self, unit: int, rng: random.Random) -> tuple[Intent, exp.Query] | None:
        sampler = Sampler(self.view, self.pool, rng)
        for attempt in range(_ATTEMPTS):
            name = self.schedule[unit % len(self.schedule)] if attempt < _ATTEMPTS - 2 \
                else rng.choice(self.schedule)
            tv = self.view.tables[rng.choice(self.tables)]
            intent = CONSTRUCTS[name][0](sampler, tv)
            found = self.verified(intent, rng) if intent is not None else None
            if found is not None:
                return found
        return None

    # -- one unit -----------------------------------------------------------------------

    def unit(self, unit: int) -> list[SynthPair]:
        rng = random.Random(f"{self.seed}:{unit}")
        found = self.draw(unit, rng)
        if found is None:
            return []
        intent, tree = found
        out = self._pairs(unit, intent, tree, rng, ())
        twin = self._twin(intent, rng)
        if twin is not None and rng.random() < self.options.twin_rate:
            twin_found = self.verified(swap_column(intent, *twin), rng)
            if twin_found is not None:
                out += self._pairs(unit, twin_found[0], twin_found[1], rng, ("confusable",),
                                   start=len(out))
        if twin is not None and rng.random() < self.options.ambiguous_rate:
            out += self._ambiguous(unit, intent, tree, twin, rng, len(out))
        if rng.random() < self.options.unanswerable_rate:
            out += self._unanswerable(unit, intent, rng, len(out))
        return out

    def _twin(self, intent: Intent, rng: random.Random) -> tuple[ColRef, ColRef] | None:
        cols = [c for c in dict.fromkeys(intent.columns()) if self.twins.of(c)]
        if not cols:
            return None
        col = rng.choice(cols)
        return col, rng.choice(sorted(self.twins.of(col), key=lambda r: r.column))

    def _tags(self, intent: Intent, tree: exp.Query) -> list[str]:
        tags = [intent.construct]
        kinds = [c.kind for c in intent.conditions]
        kinds += [c.kind for c in intent.other.conditions] if intent.other else []
        tags += sorted(set(kinds))
        tables = intent.plan().tables()
        if len(tables) > 1:
            tags += ["join", f"join{min(len(tables) - 1, 3)}"]
        aggs = {m.agg + ("_distinct" if m.distinct else "") for m in intent.select if m.agg}
        tags += sorted(aggs)
        tags += ["having"] if intent.having else []
        tags += ["order"] if intent.order else []
        tags += ["limit"] if intent.limit else []
        tags += [intent.set_op] if intent.set_op else []
        return list(dict.fromkeys(tags))

    def _style(self, rng: random.Random, lang: str) -> Style:
        if rng.random() >= self.options.noise_rate:
            return Style()
        return Style(spoken_numbers=rng.random() < 0.6, homophones=lang == "zh"
                     and rng.random() < 0.4, fillers=rng.random() < 0.5)

    def _pairs(self, unit: int, intent: Intent, tree: exp.Query, rng: random.Random,
               extra: tuple[str, ...], start: int = 0) -> list[SynthPair]:
        sql = tree.sql(dialect=self.catalog.dialect)
        plan = intent.plan()
        tags = self._tags(intent, tree)
        difficulty = spider_hardness(tree)
        out: list[SynthPair] = []
        for lang, writer in self.writers.items():
            for _ in range(self.options.questions):
                style = self._style(rng, lang)
                piece = writer.question(intent, rng, style)
                noisy = ("spoken",) if style.noisy else ()
                out.append(self._pair(unit, start + len(out), piece, lang, sql, plan,
                                      tuple(tags) + extra + noisy, difficulty))
        return out

    def _pair(self, unit: int, n: int, piece: Piece, lang: str, sql: str | None, plan: Any,
              tags: tuple[str, ...], difficulty: str | None, label: str = "answerable",
              options: tuple[dict[str, Any], ...] = ()) -> SynthPair:
        tables = tuple(plan.tables()) if plan is not None else ()
        return SynthPair(f"{unit:07d}-{n:02d}", piece.text, sql, self.catalog.dialect,
                         self.db_id, tables, difficulty, lang, plan if sql else None, tags,
                         piece.mentions, label, options)

    def _column_mention(self, piece: Piece, ref: ColRef) -> int | None:
        want = f"{ref.table}.{ref.column}"
        return next((i for i, m in enumerate(piece.mentions)
                     if m.kind == "column" and m.ref == want), None)

    def _ambiguous(self, unit: int, intent: Intent, tree: exp.Query,
                   twin: tuple[ColRef, ColRef], rng: random.Random, start: int
                   ) -> list[SynthPair]:
        col, other = twin
        shared = self.twins.of(col)[other]
        other_tree = self._compile(swap_column(intent, col, other))
        if other_tree is None:
            return []
        options = tuple(
            {"ref": f"{c.table}.{c.column}", "sql": t.sql(dialect=self.catalog.dialect)}
            for c, t in ((col, tree), (other, other_tree)))
        out: list[SynthPair] = []
        for lang, writer in self.writers.items():
            piece = writer.question(intent, rng, Style())
            index = self._column_mention(piece, col)
            if not shared.get(lang) or index is None:
                continue
            refs = "|".join(o["ref"] for o in options)
            piece = splice(piece, index, shared[lang], "ambiguous", refs)
            out.append(self._pair(unit, start + len(out), piece, lang, None, None,
                                  (intent.construct, "ambiguous"), None, "ambiguous", options))
        return out

    def _unanswerable(self, unit: int, intent: Intent, rng: random.Random, start: int
                      ) -> list[SynthPair]:
        out: list[SynthPair] = []
        cols = [c for c in intent.columns() if c.table == intent.base]
        for lang, writer in self.writers.items():
            attrs = self.missing.get(lang, [])
            if not cols or not attrs:
                continue
            piece = writer.question(intent, rng, Style())
            index = self._column_mention(piece, rng.choice(cols))
            if index is None:
                continue
            piece = splice(piece, index, rng.choice(attrs), "missing", "")
            out.append(self._pair(unit, start + len(out), piece, lang, None, None,
                                  (intent.construct, "unanswerable"), None, "unanswerable"))
        return out


@lru_cache(maxsize=4096)
def _query_key(sql: str, dialect: str) -> str:
    return sql_key(sqlglot.parse_one(sql, read=dialect))


def _key(sql: str | None, dialect: str, lang: str, question: str) -> str:
    """Pairs of one query share its normalized-tree key; the others, their question's."""
    return f"sql:{_query_key(sql, dialect)}" if sql else f"q:{lang}:{question}"


def synthesize(catalog: Catalog, backend: Backend, n: int = 1000, seed: int = 0, *,
               shard: tuple[int, int] = (0, 1), db_id: str = "",
               options: Options | None = None,
               progress: Callable[[int, int], None] | None = None) -> Iterator[SynthPair]:
    """Execution-checked question/SQL pairs over the catalog's database.

    Unsharded, it yields n pairs (fewer when the schema runs out of new queries); shard
    i/N yields its units' pairs, which merge_pairs combines into the unsharded n.
    """
    options = options or Options()
    index, count = shard
    if not 0 <= index < count:
        raise InputError(f"shard {index}/{count}: need 0 <= i < N")
    if n < 1:
        raise InputError("the number of pairs must be positive", got=n)
    gen = _Generator(catalog, backend, seed, db_id or catalog.source, options)
    units = range(index, unit_count(n, options), count)
    owners: dict[str, int] = {}
    emitted = 0
    for done, unit in enumerate(units, 1):
        for pair in gen.unit(unit):
            key = _key(pair.sql, pair.dialect, pair.lang, pair.question)
            if owners.setdefault(key, unit) != unit:
                continue
            yield pair
            emitted += 1
            if count == 1 and emitted >= n:
                return
        if progress is not None:
            progress(emitted if count == 1 else done, n if count == 1 else len(units))


def merge_pairs(shards: Iterable[Iterable[dict[str, Any]]], n: int) -> list[dict[str, Any]]:
    """Exported pair dicts of every shard, in unit order, earliest owner kept, first n."""
    pairs = sorted((p for shard in shards for p in shard), key=lambda p: p["id"])
    owners: dict[str, str] = {}
    out = []
    for p in pairs:
        key = _key(p["sql"], p["dialect"], p["lang"], p["question"])
        unit = p["id"].split("-")[0]
        if owners.setdefault(key, unit) == unit:
            out.append(p)
    return out[:n]
