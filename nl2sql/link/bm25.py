"""A compact BM25 index: weighted term frequencies in, per-document scores out.

Postings are stored as one CSR-like block (term row -> slice of document ids and
precomputed BM25 weights), so scoring a question is a few numpy scatter-adds and the
index costs a few bytes per posting rather than a Python object per term.

>>> index = BM25Index.build([{"singer": 2.0, "age": 1.0}, {"concert": 1.0, "year": 1.0}])
>>> [round(float(s), 3) for s in index.scores({"singer": 1.0})]
[0.919, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["BM25Index"]


@dataclass(frozen=True, eq=False)
class BM25Index:
    n_docs: int
    rows: dict[str, int]  # term -> row
    indptr: np.ndarray  # row r's postings are [indptr[r], indptr[r + 1])
    doc_ids: np.ndarray  # ascending within a row
    weights: np.ndarray  # idf * saturated tf, per posting

    @classmethod
    def build(cls, docs: Sequence[Mapping[str, float]], *, k1: float = 1.2, b: float = 0.5,
              df: Mapping[str, int] | None = None) -> BM25Index:
        """Index documents given as {term: weighted frequency}.

        `df` gives document frequencies to compute IDF from instead of these documents',
        so that several field indexes of the same tables share one IDF per term.
        """
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float64)
        avg = float(lengths.mean()) if len(docs) and lengths.mean() > 0 else 1.0
        postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(docs):
            norm = k1 * (1.0 - b + b * lengths[i] / avg)
            for term, tf in doc.items():
                postings.setdefault(term, []).append((i, tf * (k1 + 1.0) / (tf + norm)))
        rows: dict[str, int] = {}
        indptr = [0]
        ids: list[int] = []
        weights: list[float] = []
        n = len(docs)
        for term, plist in postings.items():
            f = df.get(term, len(plist)) if df is not None else len(plist)
            idf = math.log(1.0 + (n - f + 0.5) / (f + 0.5))
            rows[term] = len(rows)
            ids += [d for d, _ in plist]
            weights += [w * idf for _, w in plist]
            indptr.append(len(ids))
        return cls(n, rows, np.array(indptr, dtype=np.int64), np.array(ids, dtype=np.int32),
                   np.array(weights, dtype=np.float32))

    def scores(self, query: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every document for {term: query weight}."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term, qw in query.items():
            r = self.rows.get(term)
            if r is None:
                continue
            s, e = self.indptr[r], self.indptr[r + 1]
            out[self.doc_ids[s:e]] += np.float32(qw) * self.weights[s:e]
        return out

    def weight(self, term: str, doc: int) -> float:
        """The BM25 weight of one term in one document (0.0 when absent)."""
        r = self.rows.get(term)
        if r is None:
            return 0.0
        s, e = int(self.indptr[r]), int(self.indptr[r + 1])
        i = s + int(np.searchsorted(self.doc_ids[s:e], doc))
        return float(self.weights[i]) if i < e and self.doc_ids[i] == doc else 0.0

    def df(self, term: str) -> int:
        """How many documents contain the term."""
        r = self.rows.get(term)
        return 0 if r is None else int(self.indptr[r + 1] - self.indptr[r])

    def nbytes(self) -> int:
        """Bytes held by the posting arrays (the term dictionary comes on top)."""
        return int(self.indptr.nbytes + self.doc_ids.nbytes + self.weights.nbytes)
