"""Table retrieval: the few tables a question needs, among thousands, with evidence.

Lexical and graph-based, built once per catalog, a few milliseconds per question:

1. BM25F over the fields of each table: its name (without its schema prefix), its
   comment halves, its schema's words and its columns (names and comment halves); each
   field's term frequency is length-normalised and weighted, then the sum is saturated
   once, so a word in name, comment and columns is not three matches. Terms come from
   `analyze` (English stems, jieba words, CJK bigrams) plus the parts of compound
   identifiers (`paperkeyphrase`). The question adds its lexicon synonyms, agent nouns
   (teach -> teacher), glued compounds (check in -> checkin) and the column word of a
   superlative (oldest -> age), all at lower weights; cue words (how many, order by, 最新)
   and numbers count less.
   A question span naming a whole column (`weight`, `first name`, 收盘价) adds the
   column-name key's IDF on top (`documents.column_keys`).
2. Values: question spans equal to a stored value (the catalog's value index), or to a
   leading part naming one value, add a bonus that shrinks with the number of tables
   holding it; tables joined to the value's table get a share (the entity a question
   names is usually looked up in a table that refers to it).
3. Join and domain coherence: a candidate joined to another candidate gains a share of
   its score; every table gains a share of how well its domain (`catalog.summary.domains`:
   schema or subject word, then join-graph neighbours) explains the question as a whole,
   each question term counted once at its best table of the domain, so the tables of the
   subject area that covers the most of the question rise together.
4. Copies (`_bak`, `_his`, `_2023`) collapse into their best-scoring member, which lists
   the others in `copies`.
5. FK-graph expansion: tables that join two top tables matching different words (a
   bridge table, or two along declared keys) are added just below them, so a join path
   is never missing.
6. Ambiguity: strong results whose strongest mention is the same question term and whose
   scores are within a margin name each other in `ambiguous_with`.

>>> retriever = TableRetriever.build(catalog)  # doctest: +SKIP
>>> [r.name for r in retriever.retrieve("How many singers are there?", k=3)]  # doctest: +SKIP
['singer', 'singer_in_concert', 'concert']
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nl2sql.catalog.model import Catalog, Table
from nl2sql.catalog.relations import JoinEdge, join_edges
from nl2sql.catalog.summary import domains
from nl2sql.errors import InputError
from nl2sql.lexicon import Cue, find_cues, load_lexicon
from nl2sql.link.analyze import STOPWORDS, analyze, analyze_question, comment_parts
from nl2sql.link.bm25 import BM25Index
from nl2sql.link.documents import (
    Analyzer,
    Field,
    FieldKind,
    column_keys,
    copy_groups,
    phrase_key,
    question_keys,
)
from nl2sql.link.joins import JoinGraph
from nl2sql.text import Token, has_cjk, normalize, stem, tokenize

__all__ = ["Evidence", "RetrievalWeights", "RetrievedTable", "TableRetriever"]

_MAX_VALUE_SPAN = 8  # tokens
_PREFIX_WORDS = 2  # shortest leading part of a latin value that may name it
_PREFIX_CJK = 3  # ... of a Chinese value, in characters
_PREFIX_SHARE = 0.8  # a leading part's bonus, as a share of the whole value's
_Value = tuple[int, str, str, float]  # table position, column, value as stored, share
_CANDIDATES = 50  # scored for coherence, collapsed, expanded, then cut to k
_MAX_SEEDS = 6  # top tables whose join paths are completed
_SEED_SHARE = 0.3  # a seed scores at least this share of the top score
_MAX_EVIDENCE = 8
_RIVAL_SHARE = 0.5  # ambiguity is only reported among results scoring this share of the top
# An imperative opening a sentence or clause is not a schema word ("Show the names...").
_LEADING_VERB = re.compile(
    r"(^|[.?!;,:\n。？！；，：]\s*)(?:please\s+)?(?:show|list|find|give|return|display|get|tell|"
    r"name|count|calculate|compute|retrieve|provide|identify|determine|report|order|sort|rank)\b")
_WORD = re.compile(r"[a-z]+")
_SORT_BEFORE = frozenset(stem(w) for w in "descending ascending alphabetical reverse increasing "
                         "decreasing numerical chronological in".split())


@dataclass(frozen=True)
class Evidence:
    """One reason a table was retrieved: a question term and what it matched."""

    kind: FieldKind | str  # name, comment, schema, column; value; join
    term: str  # question term (stem, Chinese word or bigram) or the matched question words
    target: str  # "singer" (table), "singer.age" (column), "singer.country = 'France'"
    score: float  # this reason's share of the table's score

    def __str__(self) -> str:
        return f"{self.term!r} -> {self.kind} {self.target} ({self.score:.2f})"


@dataclass(frozen=True)
class RetrievedTable:
    table: Table
    score: float
    evidence: tuple[Evidence, ...]
    # Other results competing for the same mention within the margin: ask which one.
    ambiguous_with: tuple[str, ...] = ()
    copies: tuple[str, ...] = ()  # matching copies of this table (_bak, _his, _2023), not listed
    joined: bool = False  # added by FK expansion to connect other results

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def ambiguous(self) -> bool:
        return bool(self.ambiguous_with)


@dataclass(frozen=True)
class RetrievalWeights:
    """Field weights and scoring knobs (general settings, not fitted per question)."""

    # BM25F: each field's term frequency, length-normalised with its own b, weighted,
    # summed, then saturated once, so a word in name, comment and columns is not 3 matches.
    name: float = 3.0
    comment: float = 1.5  # table comment halves
    schema: float = 0.5  # schema words (namespaces such as crm, hr, finance)
    column: float = 1.0  # column names and comment halves
    b_name: float = 0.75
    b_comment: float = 0.75
    b_column: float = 0.75
    k1: float = 2.0
    value: float = 0.8  # times the value's rarity, log(1 + tables / tables holding it)
    word_value: float = 0.5  # a value that is one ordinary word ("buy") counts this share
    value_neighbor: float = 0.5  # share of a value's bonus given to tables joined to its table
    coherence: float = 0.1  # share of the best joined candidate's score added
    domain: float = 0.3  # share of the table's domain's coverage of the question added
    column_name: float = 0.5  # times the IDF of a whole column name the question says
    synonym: float = 0.5  # query weight of a term only a synonym variant brings
    cue: float = 0.3  # query weight of a word inside a cue phrase (how many, order by)
    measure: float = 0.5  # query weight of the column word a superlative implies
    compound: float = 0.8  # query weight of two question words glued into a catalog word
    derived: float = 0.5  # query weight of an agent noun of a question verb (teach -> teacher)
    number: float = 0.3  # query weight of a number (a filter value far more often than a name)
    margin: float = 0.1  # relative score gap under which two results are ambiguous

    def field(self, kind: FieldKind) -> tuple[float, float]:
        """(weight, b) of a field kind."""
        return {"name": (self.name, self.b_name), "comment": (self.comment, self.b_comment),
                "schema": (self.schema, 0.0), "column": (self.column, self.b_column)}[kind]


@dataclass(frozen=True)
class _ValueHit:
    doc: int
    column: str
    value: str
    words: str  # the question's words that matched
    bonus: float


@dataclass(eq=False)
class TableRetriever:
    """BM25, value and join-graph indexes over one catalog; `retrieve` per question."""

    catalog: Catalog
    weights: RetrievalWeights
    analyzer: Analyzer
    index: BM25Index
    column_names: BM25Index  # phrase keys of whole column names
    values: dict[tuple[str, ...], tuple[_Value, ...]]
    value_df: dict[tuple[str, ...], int]
    graph: JoinGraph
    group: list[int]  # per table, the table it is a copy of (itself if none)
    domain: np.ndarray  # per table, its domain's number
    _fields: dict[int, list[Field]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, catalog: Catalog, *, weights: RetrievalWeights | None = None,
              edges: Iterable[JoinEdge] | None = None) -> TableRetriever:
        """Index a catalog; `edges` default to its declared and name-inferred keys."""
        w = weights or RetrievalWeights()
        tables = catalog.tables
        analyzer = Analyzer.build(tables)
        index = BM25Index.build(_bm25f_documents([analyzer.fields(t) for t in tables], w),
                                k1=w.k1, b=0.0)
        values, value_df = _value_index(tables)
        edges = list(join_edges(catalog) if edges is None else edges)
        graph = JoinGraph(catalog, edges)
        names = BM25Index.build([column_keys(t) for t in tables], b=0.0)
        return cls(catalog, w, analyzer, index, names, values, value_df, graph,
                   copy_groups(tables), _domain_numbers(catalog, edges))

    def retrieve(self, question: str, k: int = 10) -> list[RetrievedTable]:
        """The k tables most likely needed by the question, best first; [] when none match."""
        if not isinstance(question, str):
            raise InputError("question must be a string")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise InputError(f"k must be a positive integer, not {k!r}")
        if not self.catalog.tables or not question.strip():
            return []
        query = self._query(question)
        hits = self._value_hits(question)
        keys = {k: 1.0 for k in question_keys(question) if k in self.column_names.rows}
        scores = self._scores(query, hits) + np.float32(self.weights.column_name) \
            * self.column_names.scores(keys)
        candidates = _top(scores, max(k, _CANDIDATES))
        if not candidates:
            return []
        final = self._coherent(candidates, scores, self._domain_support(query, hits))
        order, copies = self._collapse(sorted(candidates, key=lambda d: (-final[d], d)))
        order, joined = self._expand(order, final, query, hits)
        order = order[:k]
        evidence = {d: self._evidence(d, query, hits, joined.get(d), keys) for d in order}
        rivals = _rivals(order, final, evidence, joined, self.weights.margin,
                         _RIVAL_SHARE * final[order[0]])
        return [RetrievedTable(self.catalog.tables[d], round(final.get(d, 0.0), 4), evidence[d],
                               tuple(self._name(r) for r in rivals.get(d, ())),
                               tuple(self._name(c) for c in copies.get(d, ())), d in joined)
                for d in order]

    def _scores(self, query: dict[str, float], hits: list[_ValueHit]) -> np.ndarray:
        scores = self.index.scores(query)
        for h in hits:
            scores[h.doc] += np.float32(h.bonus)
        for d, bonus in self._value_neighbors(hits).items():
            scores[d] += np.float32(bonus)
        return scores

    # -- the question ---------------------------------------------------------------------

    def _query(self, question: str) -> dict[str, float]:
        """{term: weight}: the question's terms, cue words weakened, synonyms, implied
        measure words and glued compounds added."""
        w = self.weights
        text = _LEADING_VERB.sub(r"\1 ", normalize(question))
        query = {t: (w.number if t[0].isdigit() else q) for t, q in analyze_question(text).items()}
        for t in list(query):
            for part in self.analyzer.splits.get(t, ()):
                query.setdefault(part, query[t])
        tokens = tokenize(text)
        for cue in find_cues(tokens):
            if cue.intent == "order" and not _sorting(tokens, cue):
                continue  # "orders" and "rank" are nouns unless they sort something
            span = _span_text(tokens, cue.start, cue.end)
            for t in analyze(span):
                if t in query:
                    query[t] = min(query[t], w.cue)
            if cue.extra and cue.extra[0]:
                for t in analyze(cue.extra[0]):
                    query.setdefault(t, w.measure)
        for t in list(query):
            for d in self.analyzer.derived.get(t, ()):
                query.setdefault(d, w.derived)
        for variant in load_lexicon().variants(text):
            for t in analyze.__wrapped__(variant):  # one-off texts stay out of the cache
                query.setdefault(t, w.synonym)
        words = _WORD.findall(text)
        for a, b in zip(words, words[1:], strict=False):
            glued = stem(a + b)
            if glued not in query and glued not in STOPWORDS and self._known(glued):
                query[glued] = w.compound
        return query

    def _matched(self, doc: int, query: dict[str, float]) -> set[str]:
        return {t for t in query if self.index.weight(t, doc) > 0}

    def _known(self, term: str) -> bool:
        return term in self.index.rows

    def _value_hits(self, question: str) -> list[_ValueHit]:
        if not self.values:
            return []
        tokens = tokenize(normalize(question))
        keys = [t.key for t in tokens]
        spans = [(i, j) for i in range(len(keys))
                 for j in range(i + 1, min(len(keys), i + _MAX_VALUE_SPAN) + 1)
                 if tuple(keys[i:j]) in self.values]
        # A value inside a longer matched value is the same mention.
        spans = [(i, j) for i, j in spans
                 if not any(a <= i and j <= b and (b - a) > (j - i) for a, b in spans)]
        n = len(self.catalog.tables)
        hits: dict[tuple[int, tuple[int, int]], _ValueHit] = {}
        for i, j in spans:
            key = tuple(keys[i:j])
            bonus = self.weights.value * math.log(1.0 + n / self.value_df[key])
            if len(key) == 1 and key[0].isalpha():
                bonus *= self.weights.word_value
            words = _span_text(tokens, i, j)
            for doc, column, value, share in self.values[key]:
                hits.setdefault((doc, (i, j)), _ValueHit(doc, column, value, words, bonus * share))
        return list(hits.values())

    def _value_neighbors(self, hits: list[_ValueHit]) -> dict[int, float]:
        """A share of a value's bonus for the tables joined to the value's table: the entity
        a question names is usually looked up in a table that refers to it."""
        best: dict[int, float] = {}
        for h in hits:
            best[h.doc] = max(best.get(h.doc, 0.0), h.bonus)
        out: dict[int, float] = {}
        for d, bonus in best.items():
            if not self.graph.walkable(d):
                continue
            for n in self.graph.neighbors[d]:
                if n not in best:
                    out[n] = max(out.get(n, 0.0), self.weights.value_neighbor * bonus)
        return out

    # -- ranking ---------------------------------------------------------------------------

    def _coherent(self, candidates: list[int], scores: np.ndarray,
                  support: np.ndarray) -> dict[int, float]:
        """Scores plus a share of the best-scoring joined candidate (not a copy of itself)
        and a share of the domain's support."""
        pool = {d: float(scores[d]) for d in candidates}
        out = {}
        for d, s in pool.items():
            partners = [pool[n] for n in self.graph.neighbors[d]
                        if n in pool and self.group[n] != self.group[d]]
            out[d] = (s + self.weights.coherence * max(partners, default=0.0)
                      + self.weights.domain * float(support[self.domain[d]]))
        return out

    def _domain_support(self, query: dict[str, float], hits: list[_ValueHit]) -> np.ndarray:
        """Per domain, how much of the question it explains: each term (and each value
        mention) counted once, at its best table of the domain."""
        support = np.zeros(int(self.domain.max()) + 1 if len(self.domain) else 0, np.float32)
        for term, qw in query.items():
            r = self.index.rows.get(term)
            if r is None:
                continue
            s, e = self.index.indptr[r], self.index.indptr[r + 1]
            best = np.zeros_like(support)
            np.maximum.at(best, self.domain[self.index.doc_ids[s:e]], self.index.weights[s:e])
            support += np.float32(qw) * best
        mentions: dict[tuple[int, str], float] = {}
        for h in hits:
            key = (int(self.domain[h.doc]), h.words)
            mentions[key] = max(mentions.get(key, 0.0), h.bonus)
        for (dom, _), bonus in mentions.items():
            support[dom] += np.float32(bonus)
        return support

    def _collapse(self, ranked: list[int]) -> tuple[list[int], dict[int, list[int]]]:
        """One table per copy group, the best-scoring; the others listed as its copies."""
        order: list[int] = []
        first: dict[int, int] = {}
        copies: dict[int, list[int]] = defaultdict(list)
        for d in ranked:
            g = self.group[d]
            if g in first:
                copies[first[g]].append(d)
            else:
                first[g] = d
                order.append(d)
        return order, copies

    def _expand(self, order: list[int], scores: dict[int, float], query: dict[str, float],
                hits: list[_ValueHit]) -> tuple[list[int], dict[int, tuple[int, int]]]:
        """Insert the tables joining pairs of seeds right after the weaker seed. Seeds: the
        top tables scoring a share of the best, and any near the top a value names."""
        valued = {h.doc for h in hits}
        seeds = [d for d in order[:_MAX_SEEDS]
                 if scores[d] >= _SEED_SHARE * scores[order[0]] or d in valued]
        terms = {d: self._matched(d, query) | {h.words for h in hits if h.doc == d}
                 for d in seeds}
        order = list(order)
        joined: dict[int, tuple[int, int]] = {}
        for x, a in enumerate(seeds):
            for b in seeds[x + 1:]:
                if not _complementary(terms.get(a, set()), terms.get(b, set())):
                    continue  # alternatives for the same words need no path between them
                for bridge in self.graph.path(a, b, lambda d: scores.get(d, 0.0)):
                    if bridge in seeds or bridge in joined:
                        continue
                    if bridge in order:
                        order.remove(bridge)
                    order.insert(max(order.index(a), order.index(b)) + 1, bridge)
                    joined[bridge] = (a, b)
        return order, joined

    # -- evidence -----------------------------------------------------------------------------

    def _evidence(self, doc: int, query: dict[str, float], hits: list[_ValueHit],
                  joins: tuple[int, int] | None, keys: dict[str, float]
                  ) -> tuple[Evidence, ...]:
        out: list[Evidence] = []
        table = self.catalog.tables[doc]
        named = {k for k in keys if self.column_names.weight(k, doc) > 0}
        for c in table.columns if named else ():
            key = next((k for k in map(phrase_key, (c.name, *comment_parts(c.comment)))
                        if k in named), None)
            if key is not None:
                s = self.weights.column_name * self.column_names.weight(key, doc)
                out.append(Evidence("column name", key, f"{table.name}.{c.name}", round(s, 4)))
        fields = self._table_fields(doc)
        for term, qw in query.items():
            s = qw * self.index.weight(term, doc)
            where = next((f for f in fields if term in f.terms), None)
            if s > 0 and where is not None:
                out.append(Evidence(where.kind, term, where.target, round(s, 4)))
        name = self._name(doc)
        out += [Evidence("value", h.words, f"{name}.{h.column} = {h.value!r}", round(h.bonus, 4))
                for h in hits if h.doc == doc]
        out.sort(key=lambda e: -e.score)
        if joins is not None:
            a, b = joins
            out.insert(0, Evidence("join", "", f"{self._name(a)} ~ {self._name(b)}", 0.0))
        return tuple(out[:_MAX_EVIDENCE])

    def _table_fields(self, doc: int) -> list[Field]:
        cached = self._fields.get(doc)
        if cached is None:
            if len(self._fields) > 10_000:
                self._fields.clear()
            cached = self._fields[doc] = self.analyzer.fields(self.catalog.tables[doc])
        return cached

    def _name(self, doc: int) -> str:
        return self.catalog.tables[doc].name

    def nbytes(self) -> int:
        """Bytes of the posting arrays (term dictionaries and the value index come on top)."""
        return self.index.nbytes() + self.column_names.nbytes()


# -- documents ----------------------------------------------------------------------------


def _bm25f_documents(tables: list[list[Field]], w: RetrievalWeights) -> list[dict[str, float]]:
    """Per table {term: sum over fields of weight * tf / (1 - b + b * length / mean length)};
    columns count as one field."""
    kinds: tuple[FieldKind, ...] = ("name", "comment", "schema", "column")
    lengths = {k: [sum(len(f.terms) for f in fields if f.kind == k) for fields in tables]
               for k in kinds}
    mean = {k: max(sum(v) / max(len(v), 1), 1e-9) for k, v in lengths.items()}
    docs = []
    for i, fields in enumerate(tables):
        doc: dict[str, float] = defaultdict(float)
        for f in fields:
            weight, b = w.field(f.kind)
            norm = weight / (1.0 - b + b * lengths[f.kind][i] / mean[f.kind])
            for t in f.terms:
                doc[t] += norm
        docs.append(doc)
    return docs


def _domain_numbers(catalog: Catalog, edges: Iterable[JoinEdge]) -> np.ndarray:
    """Per table, the number of its domain (declared and confident join keys pull small
    groups of tables together)."""
    pairs = [(e.table, e.ref_table) for e in edges if e.declared or e.confidence >= 0.7]
    found = domains(catalog, pairs)
    numbers: dict[str, int] = {}
    return np.array([numbers.setdefault(found[t.name.lower()].key, len(numbers))
                     for t in catalog.tables], dtype=np.int32)


def _value_index(tables: Sequence[Table]) -> tuple[dict[tuple[str, ...], tuple[_Value, ...]],
                                                   dict[tuple[str, ...], int]]:
    """Value keys (token keys) -> where they are stored, with the number of tables per key.

    A leading part of a long value that names one value of its column also counts, at
    `_PREFIX_SHARE`: "Kweichow Moutai" for "Kweichow Moutai Co., Ltd.", 易方达 for
    易方达基金管理有限公司.
    """
    found: dict[tuple[str, ...], list[_Value]] = defaultdict(list)
    for doc, t in enumerate(tables):
        for c in t.columns:
            keys = {v: tuple(tok.key for tok in tokenize(normalize(str(v)))) for v in c.values}
            for v, key in keys.items():
                if key and len(key) <= _MAX_VALUE_SPAN and not _too_plain(key):
                    found[key].append((doc, c.name, str(v), 1.0))
            for part, v in _unique_parts(keys).items():
                found[part].append((doc, c.name, str(v), _PREFIX_SHARE))
    values: dict[tuple[str, ...], tuple[_Value, ...]] = {}
    for key, entries in found.items():
        full = [e for e in entries if e[3] == 1.0]
        values[key] = tuple(dict.fromkeys(full or entries))  # a full value hides parts
    df = {k: len({e[0] for e in v}) for k, v in values.items()}
    return values, df


def _unique_parts(keys: dict[str, tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """Leading parts of a column's values that belong to one value only."""
    owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for v, key in keys.items():
        shortest = _PREFIX_CJK if key and has_cjk(key[0]) else _PREFIX_WORDS
        for n in range(shortest, min(len(key), _MAX_VALUE_SPAN + 1)):
            owners[key[:n]].add(v)
    whole = set(keys.values())
    return {part: next(iter(vs)) for part, vs in owners.items() if len(vs) == 1 and part not in whole}


def _too_plain(key: tuple[str, ...]) -> bool:
    """Values that would match everywhere: stopwords, short numbers, single CJK characters."""
    if len(key) > 1:
        return False
    k = key[0]
    return k in STOPWORDS or (k.isdigit() and len(k) < 4) or has_cjk(k) or len(k) < 2


# -- helpers --------------------------------------------------------------------------------


def _top(scores: np.ndarray, n: int) -> list[int]:
    """Indices of the n best positive scores (any order)."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > n:
        positive = positive[np.argpartition(-scores[positive], n - 1)[:n]]
    return positive.tolist()


def _complementary(a: set[str], b: set[str]) -> bool:
    """Each table matches a word the other does not: both are needed, so join them."""
    return bool(a - b) and bool(b - a)


def _sorting(tokens: Sequence[Token], cue: Cue) -> bool:
    """Whether an order-intent word sorts: "order by", "sorted by", "in descending order"."""
    after = {t.key for t in tokens[cue.end:cue.end + 4]}
    before = tokens[cue.start - 1].key if cue.start > 0 else ""
    return "by" in after or before in _SORT_BEFORE


def _span_text(tokens: Sequence[Token], i: int, j: int) -> str:
    return "".join(t.text if t.is_cjk else f" {t.text}" for t in tokens[i:j]).strip()


def _rivals(order: list[int], scores: dict[int, float], evidence: dict[int, tuple[Evidence, ...]],
            joined: dict[int, tuple[int, int]], margin: float, floor: float
            ) -> dict[int, list[int]]:
    """Pairs of results scoring at least `floor` whose strongest mention is the same term,
    within the margin of each other."""
    main = {d: next((e.term for e in evidence[d] if e.kind != "join"), None) for d in order}
    out: dict[int, list[int]] = defaultdict(list)
    plain = [d for d in order if d not in joined and main[d] and scores.get(d, 0.0) >= floor]
    for x, a in enumerate(plain):
        for b in plain[x + 1:]:
            hi = max(scores.get(a, 0.0), scores.get(b, 0.0))
            if main[a] == main[b] and hi > 0 and abs(scores[a] - scores[b]) <= margin * hi:
                out[a].append(b)
                out[b].append(a)
    return out
