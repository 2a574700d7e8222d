"""Synthetic pair generation rate and coverage, per database.

    python benchmarks/synth_rate.py                    # the demo warehouse, 3,000 pairs
    python benchmarks/synth_rate.py --pairs 1000 --db URL [--db URL ...] --examples 3

Prints, per database: execution-verified pairs per minute (questions) and SQL queries per
minute (wall clock, one process; introspection not counted), candidates tried per kept
query, the coverage table (pairs per construct and Spider hardness), labels, and a few
example pairs per language. The baseline alongside is the cost of executing the kept SQL
once more on its own, so the ratio shows what sampling, checking and writing add.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter, defaultdict

from nl2sql.backends import open_backend
from nl2sql.catalog.introspect import introspect
from nl2sql.settings import load_settings
from nl2sql.synth import SynthPair, synthesize

_LEVELS = ("easy", "medium", "hard", "extra")


def _coverage(pairs: list[SynthPair]) -> None:
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for p in pairs:
        for tag in p.constructs:
            table[tag][p.difficulty or p.label] += 1
    cols = [*_LEVELS, "ambiguous", "unanswerable"]
    print(f"  {'construct':<16}" + "".join(f"{c:>13}" for c in cols) + f"{'total':>8}")
    for tag in sorted(table, key=lambda t: -sum(table[t].values())):
        row = table[tag]
        print(f"  {tag:<16}" + "".join(f"{row[c]:>13}" for c in cols)
              + f"{sum(row.values()):>8}")


def run(url: str, n: int, seed: int, examples: int) -> None:
    backend = open_backend(url)
    try:
        catalog = introspect(backend, **load_settings().introspect_options())
        start = time.perf_counter()
        pairs = list(synthesize(catalog, backend, n, seed))
        spent = time.perf_counter() - start
        queries = sorted({p.sql for p in pairs if p.sql})
        again = time.perf_counter()
        for sql in queries:
            backend.run(sql, max_rows=100)
        baseline = time.perf_counter() - again
    finally:
        backend.close()
    print(f"\n== {url}")
    print(f"  {len(pairs)} pairs, {len(queries)} SQL queries in {spent:.1f} s: "
          f"{len(pairs) / spent * 60:,.0f} pairs/min, {len(queries) / spent * 60:,.0f} "
          f"queries/min; executing the kept queries alone: {baseline:.1f} s "
          f"(generation = {spent / max(baseline, 1e-9):.1f}x that)")
    print("  labels:", dict(Counter(p.label for p in pairs)),
          " languages:", dict(Counter(p.lang for p in pairs)),
          " hardness:", dict(Counter(p.difficulty for p in pairs if p.sql)))
    _coverage(pairs)
    rng = random.Random(seed)
    for lang in ("zh", "en"):
        for p in rng.sample([p for p in pairs if p.lang == lang], min(examples, len(pairs))):
            print(f"  [{lang} {p.label} {p.difficulty}] {p.question}\n      {p.sql}")
            print("      " + json.dumps([(m.text, m.kind, m.ref) for m in p.mentions],
                                        ensure_ascii=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", action="append", help="database URL (repeatable); default demo")
    ap.add_argument("--pairs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--examples", type=int, default=2)
    args = ap.parse_args()
    urls = args.db or [f"duckdb:///{load_settings().demo_path}"]
    for url in urls:
        run(url, args.pairs, args.seed, args.examples)


if __name__ == "__main__":
    main()
