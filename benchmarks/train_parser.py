"""Training time, inference latency and held-out accuracy of the learned plan model.

    python benchmarks/train_parser.py                                  # Spider concert_singer
    python benchmarks/train_parser.py --url duckdb:///$HOME/.local/share/nl2sql/demo/trading.duckdb --pairs 3000

Synthesizes N pairs (seed 0) and trains on them, then synthesizes 300 fresh pairs (seed 7)
and answers their questions with the model alone: the share whose result equals the pair's
SQL result is the held-out accuracy (zero human labels). Inference is timed per question
(link excluded: it is the gateway's own stage).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path

from nl2sql.errors import Nl2SqlError
from nl2sql.generate.plan import compile_plan
from nl2sql.generate.training import synthesize_pairs, train_model
from nl2sql.pipeline import Gateway
from nl2sql.settings import load_settings

BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
DEFAULT = BENCH / "spider" / "database" / "concert_singer" / "concert_singer.sqlite"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=f"sqlite:///{DEFAULT}")
    parser.add_argument("--pairs", type=int, default=10_000)
    args = parser.parse_args()
    gw = Gateway.open(args.url, load_settings())
    try:
        t0 = time.perf_counter()
        pairs = synthesize_pairs(gw, args.pairs, seed=0)
        t1 = time.perf_counter()
        model = train_model(gw, pairs)
        gw.adopt(model)
        t2 = time.perf_counter()
        held = [p for p in synthesize_pairs(gw, 300, seed=7) if p["label"] == "answerable"]
        right, times, tiers = 0, [], Counter()
        for pair in held:
            s = gw.link(pair["question"])
            start = time.perf_counter()
            found = model.propose(s, gw.catalog)
            times.append((time.perf_counter() - start) * 1000)
            if found is None:
                continue
            tiers[found[2]] += 1
            sql = compile_plan(found[0], gw.catalog).sql(dialect=gw.catalog.dialect)
            try:
                got = Counter(map(tuple, gw.backend.run(sql, max_rows=100_000).rows))
            except Nl2SqlError:
                continue  # a reading the database rejects is a wrong answer
            want = Counter(map(tuple, gw.backend.run(pair["sql"], max_rows=100_000).rows))
            right += got == want
    finally:
        gw.close()
    q = statistics.quantiles(times, n=20)
    print(f"database: {args.url}")
    print(f"synthesis: {len(pairs)} pairs in {t1 - t0:.1f} s")
    print(f"training: {len(model.skeletons)} linked pairs, {len(model.shapes)} shapes, "
          f"{len(model.phrases)} learned names, {t2 - t1:.1f} s")
    print(f"inference: p50 {statistics.median(times):.2f} ms, p95 {q[18]:.2f} ms")
    print(f"held-out synthetic questions answered right: {right}/{len(held)} "
          f"({100 * right / len(held):.1f}%), tiers {dict(tiers)}")


if __name__ == "__main__":
    main()
