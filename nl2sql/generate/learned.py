"""The learned parser (tier 1) and the verified-template cache (tier 0) of one database.

Trained only on the database's own synthetic pairs (nl2sql.synth), each linked exactly as
live questions are linked. Two small models share the work:

- a *shape* model: the nearest skeletons (TF-IDF cosine over word n-grams of the question
  with its mentions replaced by their kinds) vote for the plan's shape, a template whose
  slots are numbered by first appearance (templates.canonical);
- a *mention* model per kind of mention (column, value, number, date): a logistic
  naive Bayes model from a mention's context words to the role it plays in the plan ("sel:sum",
  "where:>", "group+sel:col", "limit", ... or "none").

A question's reading is a shape plus an assignment of its mentions to the shape's slots;
its score is log P(shape) + the sum of the mentions' log P(role), unused mentions counting
as "none". The best reading that compiles is the plan. When the question's skeleton was
seen verbatim and its shape won the whole vote, the answer is tier 0 ("cache"): a verified
template reused with the new question's values.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB

from nl2sql.catalog.model import Catalog
from nl2sql.errors import ConfigError, GenerationError
from nl2sql.generate.plan import ColRef, Filter, Measure, QueryPlan, compile_plan
from nl2sql.generate.templates import (
    DETAILS,
    MARK,
    Slots,
    canonical,
    fill,
    generalize,
    instantiate,
    post_order,
    roles,
    specialize,
    tagged_words,
    templatize,
)
from nl2sql.link.schema_slice import SchemaSlice

__all__ = ["PlanModel", "catalog_fingerprint"]

FORMAT = 3
KINDS = ("C", "V", "N", "D")  # column, value, number and date mentions
_NEIGHBOURS = 40
_SHAPES_TRIED = 8
_CHOICES_SEEN = 4
_EXACT = 0.999  # cosine of a skeleton seen verbatim
_UNSEEN = math.log(1e-6)  # log P of a role the mention model never saw


def catalog_fingerprint(catalog: Catalog) -> str:
    """A digest of the tables and columns a model was trained on (names and types)."""
    h = hashlib.sha256(catalog.dialect.encode())
    for t in sorted(catalog.tables, key=lambda t: t.name.lower()):
        h.update(f"\n{t.name}:".encode())
        h.update(",".join(f"{c.name} {c.type}" for c in t.columns).encode())
    return h.hexdigest()[:16]


# --- mention features ---------------------------------------------------------------------

def _mentions(s: SchemaSlice, slots: Slots, catalog: Catalog) -> list[tuple[str, dict[str, float]]]:
    """(slot name, context features) for every mention of the question, e.g. ("§C1", {...})."""
    words = tagged_words(s, catalog)
    context = {f"Q:{w}": 0.3 for w in words if w}
    out = []
    for kind in KINDS:
        spans = slots.spans[kind]
        for i, (a, b) in enumerate(spans):
            feats = dict(context)
            feats[f"TY:{_mention_type(kind, i, slots, catalog)}"] = 1.0
            feats[f"ORD:{min(i, 2)}"] = feats[f"LAST:{i == len(spans) - 1}"] = 1.0
            left = [w for w in words[:a] if w][-4:][::-1]
            right = [w for w in words[b:] if w][:4]
            for j, w in enumerate(left):
                feats[f"L{j + 1}:{w}"] = feats[f"LW:{w}"] = 1.0
            for j, w in enumerate(right):
                feats[f"R{j + 1}:{w}"] = feats[f"RW:{w}"] = 1.0
            if len(left) > 1:
                feats[f"LB:{left[1]}_{left[0]}"] = 1.0
            if len(right) > 1:
                feats[f"RB:{right[0]}_{right[1]}"] = 1.0
            for tok in s.tokens[a:b]:
                feats[f"S:{tok.key}"] = 0.5
            out.append((f"{MARK}{kind}{i}", feats))
    return out


def _mention_type(kind: str, i: int, slots: Slots, catalog: Catalog) -> str:
    if kind == "C":
        link = slots.columns[i][0]
        table = catalog.table(link.table)
        column = table.column(link.column) if table else None
        return f"{column.type_class if column else 'any'}/{link.score >= 0.99}"
    if kind == "N":
        return "int" if float(slots.numbers[i]).is_integer() else "float"
    if kind == "D":
        low, high = slots.dates[i]
        return "day" if low == high else "range"
    return "value"


@dataclass
class _Linear:
    """A linear log-probability model over sparse features (multinomial naive Bayes:
    trains in milliseconds on tens of thousands of mentions), kept as plain arrays and
    saved as JSON, no pickles."""

    vocab: dict[str, int]
    classes: list[str]
    coef: np.ndarray       # classes x features
    intercept: np.ndarray  # classes

    @classmethod
    def fit(cls, rows: list[dict[str, float]], labels: list[str]) -> _Linear:
        if len(set(labels)) < 2:
            return cls({}, sorted(set(labels)) or ["none"], np.zeros((1, 0)), np.zeros(1))
        vec = DictVectorizer()
        x = vec.fit_transform(rows)
        nb = MultinomialNB(alpha=0.3).fit(x, labels)
        return cls(dict(vec.vocabulary_), [str(c) for c in nb.classes_],
                   nb.feature_log_prob_, nb.class_log_prior_)

    def log_proba(self, feats: dict[str, float]) -> dict[str, float]:
        idx = [(self.vocab[k], v) for k, v in feats.items() if k in self.vocab]
        z = self.intercept.copy()
        for j, v in idx:
            z += self.coef[:, j] * v
        z -= z.max()
        logp = z - math.log(float(np.exp(z).sum()))
        return dict(zip(self.classes, logp.tolist(), strict=True))

    def to_dict(self) -> dict[str, Any]:
        return {"vocab": self.vocab, "classes": self.classes, "coef": self.coef.tolist(),
                "intercept": self.intercept.tolist()}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> _Linear:
        return cls(doc["vocab"], doc["classes"], np.array(doc["coef"]).reshape(
            len(doc["classes"]) if doc["vocab"] else 1, -1), np.array(doc["intercept"]))


# --- the model ------------------------------------------------------------------------------

@dataclass
class PlanModel:
    """Shape and mention models of one database (see the module docstring)."""

    fingerprint: str
    skeletons: list[str]
    labels: np.ndarray          # shape index per skeleton
    picks: list[tuple[Any, ...]]  # the choices of aggregate/operator/order per skeleton
    shapes: list[QueryPlan]     # generalized: choices of aggregate, operator, order left out
    choices: list[dict[tuple[Any, ...], int]]  # per shape: the choices seen, how often
    mentions: dict[str, _Linear]
    phrases: tuple[tuple[str, str, str | None], ...]  # names learned: (text, table, column)
    vectorizer: TfidfVectorizer
    matrix: Any                 # sparse TF-IDF rows of the skeletons, l2-normalised
    _made: dict[tuple[int, tuple[Any, ...]], tuple[QueryPlan, dict[str, str]]] = field(
        default_factory=dict, repr=False)  # shapes with choices put back, and their roles

    @classmethod
    def train(cls, examples: Iterable[tuple[SchemaSlice, QueryPlan]], catalog: Catalog,
              phrases: tuple[tuple[str, str, str | None], ...] = ()) -> PlanModel:
        """Fit from linked synthetic questions and their plans; `phrases` are the names
        the questions were linked with beyond the catalog's own."""
        keys: dict[str, int] = {}
        shapes: list[QueryPlan] = []
        choices: list[dict[tuple[Any, ...], int]] = []
        skeletons: list[str] = []
        labels: list[int] = []
        picks: list[tuple[Any, ...]] = []
        rows: dict[str, list[dict[str, float]]] = defaultdict(list)
        targets: dict[str, list[str]] = defaultdict(list)
        for s, plan in examples:
            slots = Slots.of(s)
            template = templatize(plan, slots)
            if template is None:
                continue
            shape, taken = generalize(canonical(template))
            key = repr(shape)
            if key not in keys:
                keys[key] = len(shapes)
                shapes.append(shape)
                choices.append({})
            picked = tuple(choice for _, choice in taken)
            choices[keys[key]][picked] = choices[keys[key]].get(picked, 0) + 1
            skeletons.append(" ".join(w for w in tagged_words(s, catalog) if w))
            labels.append(keys[key])
            picks.append(picked)
            played = roles(template)
            for name, feats in _mentions(s, slots, catalog):
                rows[name[len(MARK)]].append(feats)
                targets[name[len(MARK)]].append(played.get(name, "none"))
        if not skeletons:
            raise GenerationError("no synthetic pair could be turned into a template",
                                  reason="nothing_to_learn")
        mentions = {k: _Linear.fit(rows[k], targets[k]) for k in KINDS}
        return cls._fit(catalog_fingerprint(catalog), skeletons, np.array(labels), picks,
                        shapes, choices, mentions, phrases)

    @classmethod
    def _fit(cls, fingerprint: str, skeletons: list[str], labels: np.ndarray,
             picks: list[tuple[Any, ...]], shapes: list[QueryPlan], choices: list[dict[tuple[Any, ...], int]],
             mentions: dict[str, _Linear],
             phrases: tuple[tuple[str, str, str | None], ...]) -> PlanModel:
        vectorizer = TfidfVectorizer(analyzer=_ngrams, sublinear_tf=True)
        matrix = vectorizer.fit_transform(skeletons)
        return cls(fingerprint, skeletons, labels, picks, shapes, choices, mentions, phrases,
                   vectorizer, matrix)

    def propose(self, s: SchemaSlice, catalog: Catalog,
                exact_only: bool = False) -> tuple[QueryPlan, float, str] | None:
        """The best reading that compiles, with a confidence in [0, 1] and its tier.

        Tier 0 ("cache"): the skeleton was seen verbatim and every pair with it had one
        shape and one set of choices, so the reading reuses that verified template. With
        `exact_only`, nothing else is proposed.
        """
        slots = Slots.of(s)
        words = " ".join(w for w in tagged_words(s, catalog) if w)
        sims = (self.matrix @ self.vectorizer.transform([words]).T).toarray().ravel()
        top = np.argsort(-sims)[:_NEIGHBOURS]
        top = top[sims[top] > 0]
        seen = {(int(self.labels[i]), self.picks[i]) for i in top if sims[i] >= _EXACT}
        if len(seen) == 1:
            (label, picked), = seen
            found = self._read(s, slots, catalog, [(0.0, label, picked)])
            if found is not None:
                return found[0], found[1], "cache"
        if exact_only or not len(top):
            return None
        votes: dict[int, float] = defaultdict(float)
        for i in top:
            votes[int(self.labels[i])] += float(sims[i])
        total = sum(votes.values())
        options = [(math.log(votes[label] / total) + prior, label, picked)
                   for label in sorted(votes, key=lambda k: -votes[k])[:_SHAPES_TRIED]
                   for prior, picked in self._choices(label)]
        found = self._read(s, slots, catalog, options)
        return (found[0], found[1], "learned") if found else None

    def _read(self, s: SchemaSlice, slots: Slots, catalog: Catalog,
              options: list[tuple[float, int, tuple[Any, ...]]]) -> tuple[QueryPlan, float] | None:
        """The best-scoring (shape, choices, mention assignment) that fills and compiles,
        with its share of the readings' probability."""
        logp = {name: self.mentions[name[len(MARK)]].log_proba(f)
                for name, f in _mentions(s, slots, catalog)}
        readings = []
        for base, label, picked in options:
            shape, wanted = self._specialized(label, picked)
            for score, chosen in _assignments(wanted, logp):
                readings.append((base + score, shape, chosen))
        if not readings:
            return None
        readings.sort(key=lambda r: -r[0])
        norm = _logsumexp([r[0] for r in readings])
        for score, shape, chosen in readings:
            plan = fill(instantiate(shape, chosen), slots, catalog)
            if plan is None or not _types_agree(plan, catalog):
                continue
            try:
                compile_plan(plan, catalog)
            except (GenerationError, KeyError, ValueError, TypeError):
                continue
            return plan, math.exp(score - norm)
        return None

    def _specialized(self, label: int, picked: tuple[Any, ...]) -> tuple[QueryPlan, dict[str, str]]:
        """A shape with these choices, and the roles of its slots (computed once)."""
        key = (label, picked)
        if key not in self._made:
            shape = specialize(self.shapes[label], picked)
            self._made[key] = (shape, roles(shape))
        return self._made[key]

    def _choices(self, label: int) -> list[tuple[float, tuple[Any, ...]]]:
        """Log prior and choices for a shape: those seen (most frequent first), and each
        single change of the most frequent one, which the mention model may prefer."""
        seen = self.choices[label]
        total = sum(seen.values()) + 1.0
        ranked = sorted(seen, key=lambda c: -seen[c])
        out = {c: math.log(seen[c] / total) for c in ranked[:_CHOICES_SEEN]}
        for i, choice in enumerate(ranked[0]):
            kind = next(k for k, options in DETAILS.items() if choice in options)
            for alt in DETAILS[kind]:
                changed = (*ranked[0][:i], alt, *ranked[0][i + 1:])
                out.setdefault(changed, math.log(0.5 / total))
        return [(p, c) for c, p in out.items()]

    # --- persistence: plain JSON, no pickles -------------------------------------------------

    def save(self, path: Path) -> None:
        doc = {"format": FORMAT, "fingerprint": self.fingerprint,
               "skeletons": self.skeletons, "labels": self.labels.tolist(),
               "picks": [list(p) for p in self.picks],
               "shapes": [t.to_dict() for t in self.shapes],
               "choices": [[[list(c), n] for c, n in seen.items()] for seen in self.choices],
               "mentions": {k: m.to_dict() for k, m in self.mentions.items()},
               "phrases": [list(p) for p in self.phrases]}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PlanModel:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot read parser model {path}: {e}") from e
        if doc.get("format") != FORMAT:
            raise ConfigError(f"parser model {path} has format {doc.get('format')}, "
                              f"expected {FORMAT}; retrain it with `nl2sql train`")
        return cls._fit(doc["fingerprint"], doc["skeletons"], np.array(doc["labels"]),
                        [tuple(p) for p in doc["picks"]],
                        [QueryPlan.from_dict(t) for t in doc["shapes"]],
                        [{tuple(c): n for c, n in seen} for seen in doc["choices"]],
                        {k: _Linear.from_dict(m) for k, m in doc["mentions"].items()},
                        tuple((t, table, column) for t, table, column in doc["phrases"]))


def _assignments(wanted: dict[str, str], logp: dict[str, dict[str, float]],
                 keep: int = 2) -> list[tuple[float, dict[str, int]]]:
    """The best ways to put the question's mentions into the slots of a shape (whose
    slots play the roles `wanted`), scored by the mentions' log P(role), every mention
    left out counting as log P(none)."""
    per_kind: list[list[tuple[float, dict[str, int]]]] = []
    for kind in KINDS:
        slots_ = sorted(k for k in wanted if k[len(MARK)] == kind)
        have = sorted((n for n in logp if n[len(MARK)] == kind), key=lambda n: int(n[2:]))
        if len(slots_) > len(have):
            return []
        options: list[tuple[float, dict[str, int]]] = []
        for perm in itertools.permutations(have[:7], len(slots_)):
            score = sum(logp[m].get(wanted[slot], _UNSEEN) for slot, m in zip(slots_, perm,
                                                                             strict=True))
            score += sum(logp[m].get("none", _UNSEEN) for m in have if m not in perm)
            options.append((score, {slot: int(m[len(MARK) + 1:]) for slot, m
                                    in zip(slots_, perm, strict=True)}))
        options.sort(key=lambda o: -o[0])
        per_kind.append(options[:keep] or [(0.0, {})])
    combined = [(sum(o[0] for o in combo), {k: v for o in combo for k, v in o[1].items()})
                for combo in itertools.product(*per_kind)]
    combined.sort(key=lambda c: -c[0])
    return combined[:keep]


def _types_agree(plan: QueryPlan, catalog: Catalog) -> bool:
    """No number compared with a text column, no sum/avg of text (a slot filled with the
    wrong kind of column)."""
    ok = True

    def visit(node: Any, changes: dict[str, Any]) -> None:
        nonlocal ok
        if isinstance(node, Filter) and node.op not in ("=", "!=", "in", "not in"):
            values = node.value if isinstance(node.value, tuple) else (node.value,)
            if any(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
                ok = ok and _type_class(node.col, catalog) in ("number", "other")
        if isinstance(node, Measure) and node.agg in ("sum", "avg") and node.col is not None:
            ok = ok and _type_class(node.col, catalog) in ("number", "other")

    post_order(plan, visit)
    return ok


def _type_class(ref: ColRef, catalog: Catalog) -> str:
    table = catalog.table(ref.table)
    column = table.column(ref.column) if table else None
    return column.type_class if column else "other"


def _logsumexp(xs: list[float]) -> float:
    top = max(xs)
    return top + math.log(sum(math.exp(x - top) for x in xs))


def _ngrams(text: str) -> list[str]:
    words = text.split()
    grams = list(words)
    grams += [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    grams += [f"{a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)]
    return grams
