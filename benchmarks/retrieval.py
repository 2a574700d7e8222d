"""Table retrieval among thousands of tables: recall@5/@10 by dataset, latency, index size.

    python benchmarks/retrieval.py                       # >= 5,000 tables in one catalog
    python benchmarks/retrieval.py --distractors 10000 --misses

One merged catalog holds every benchmark database (Spider and defog SQLite files, tables
renamed `<db_id>__<table>` with schema `<db_id>`), the demo warehouse (built small in a
temp dir) and generated enterprise distractor tables. Every question is retrieved against
the whole catalog, without its db_id; a question's gold tables are those its gold SQL
reads (sqlglot), matched by prefixed name. Recall is the mean share of a question's gold
tables in the top k; "all@k" is the share of questions with every gold table in the top k.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import sqlglot
from sqlglot import exp

from nl2sql.catalog.introspect import introspect_url
from nl2sql.catalog.model import Catalog, ForeignKey, Table
from nl2sql.demo import DEMO_DB_ID, build_demo
from nl2sql.demo.enterprise import enterprise_catalog
from nl2sql.eval.dataset import load_questions
from nl2sql.link.analyze import analyze, comment_parts
from nl2sql.link.retrieve import RetrievalWeights, TableRetriever

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT.parent / "shared" / "benchmarks"
DEMO_QUESTIONS = ROOT / "tests" / "fixtures" / "demo_questions.jsonl"


def _prefixed(db: str, catalog: Catalog) -> list[Table]:
    def fk(f: ForeignKey) -> ForeignKey:
        return replace(f, ref_table=f"{db}__{f.ref_table}")
    return [replace(t, name=f"{db}__{t.name}", schema=db,
                    foreign_keys=tuple(fk(f) for f in t.foreign_keys)) for t in catalog.tables]


def benchmark_catalogs(tmp: Path) -> dict[str, tuple[str, Catalog, str]]:
    """db_id -> (dataset, catalog, gold dialect) for every benchmark database and the demo."""
    out: dict[str, tuple[str, Catalog, str]] = {}
    for path in sorted((BENCH / "spider" / "database").glob("*/*.sqlite")):
        out[path.stem] = ("spider", introspect_url(f"sqlite:///{path}"), "sqlite")
    for path in sorted((BENCH / "defog" / "sqlite").glob("*.db")):
        out[path.stem] = ("defog", introspect_url(f"sqlite:///{path}"), "sqlite")
    demo = tmp / "trading.duckdb"
    build_demo(demo, scale=0.02)
    out[DEMO_DB_ID] = ("demo", introspect_url(f"duckdb:///{demo}"), "duckdb")
    return out


def merged_catalog(catalogs: dict[str, tuple[str, Catalog, str]], distractors: int) -> Catalog:
    tables = [t for db, (_, c, _) in catalogs.items() for t in _prefixed(db, c)]
    taken = {t.name.lower() for t in tables}
    if distractors:
        tables += [t for t in enterprise_catalog(distractors).tables if t.name.lower() not in taken]
    return Catalog("sqlite", tuple(tables), source="merged")


def gold_tables(sql: str, dialect: str) -> set[str]:
    """Tables a gold query reads (CTE names excluded), lower case."""
    tree = sqlglot.parse_one(sql, read=dialect)
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return {t.name.lower() for t in tree.find_all(exp.Table)} - ctes


def questions(catalogs: dict[str, tuple[str, Catalog, str]]) -> list[tuple[str, str, str, set[str]]]:
    """(dataset, id, question text, prefixed gold tables) for every benchmark question."""
    out = []
    files = [BENCH / "spider" / "questions.jsonl", BENCH / "defog" / "questions.jsonl",
             DEMO_QUESTIONS]
    for path in files:
        for q in load_questions(path):
            dataset, _, dialect = catalogs[q.db_id]
            gold = gold_tables(q.golds(dialect)[0], dialect)
            out.append((dataset, q.id, q.prompt(dialect), {f"{q.db_id}__{g}" for g in gold}))
    return out


def _build(catalog: Catalog, weights: RetrievalWeights) -> tuple[TableRetriever, float, int]:
    analyze.cache_clear()
    comment_parts.cache_clear()
    gc.collect()
    start = time.perf_counter()
    retriever = TableRetriever.build(catalog, weights=weights)
    seconds = time.perf_counter() - start
    # Memory in a second build under tracemalloc (which slows building down).
    del retriever
    analyze.cache_clear()
    comment_parts.cache_clear()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    retriever = TableRetriever.build(catalog, weights=weights)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(s.size_diff for s in after.compare_to(before, "filename"))
    return retriever, seconds, size


def run(retriever: TableRetriever, qs: list[tuple[str, str, str, set[str]]], misses: bool) -> dict:
    retriever.retrieve("warm up 预热", k=10)
    by: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    latencies = []
    for dataset, qid, text, gold in qs:
        start = time.perf_counter()
        got = retriever.retrieve(text, k=10)
        latencies.append((time.perf_counter() - start) * 1000)
        names = [r.name.lower() for r in got]
        for k in (5, 10):
            hit = gold & set(names[:k])
            by[dataset][f"r@{k}"].append(len(hit) / len(gold))
            by[dataset][f"all@{k}"].append(float(hit == gold))
        if misses and not gold <= set(names[:5]):
            print(f"  miss {qid}: {text[:90]!r}\n    gold {sorted(gold)}\n    got  {names[:6]}")
    return {"by": by, "latencies": latencies}


def report(result: dict, n_tables: int, n_columns: int, seconds: float, size: int) -> None:
    print(f"catalog: {n_tables:,} tables, {n_columns:,} columns; "
          f"index build {seconds:.2f} s, memory {size / 2**20:.1f} MiB (tracemalloc)")
    print(f"{'dataset':<8} {'questions':>9} {'recall@5':>9} {'recall@10':>10} {'all@5':>7} "
          f"{'all@10':>7}")
    for dataset, m in result["by"].items():
        def pct(key: str, m: dict = m) -> str:
            return f"{100 * statistics.fmean(m[key]):.1f}%"
        print(f"{dataset:<8} {len(m['r@5']):>9} {pct('r@5'):>9} {pct('r@10'):>10} "
              f"{pct('all@5'):>7} {pct('all@10'):>7}")
    lat = sorted(result["latencies"])
    p50 = lat[len(lat) // 2]
    p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
    print(f"latency per question: p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {lat[-1]:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, default=5000,
                        help="generated enterprise tables added to the benchmark databases")
    parser.add_argument("--misses", action="store_true", help="print questions missed at 5")
    parser.add_argument("--weights", default="{}",
                        help='JSON overrides of RetrievalWeights, e.g. {"schema": 0}')
    args = parser.parse_args()
    weights = RetrievalWeights(**json.loads(args.weights))
    with tempfile.TemporaryDirectory(prefix="nl2sql-retrieval-") as tmp:
        catalogs = benchmark_catalogs(Path(tmp))
    catalog = merged_catalog(catalogs, args.distractors)
    qs = questions(catalogs)
    retriever, seconds, size = _build(catalog, weights)
    result = run(retriever, qs, args.misses)
    report(result, len(catalog.tables), sum(len(t.columns) for t in catalog.tables), seconds, size)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
