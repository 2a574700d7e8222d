"""Guard latency over model-written-like SQL, beside plain sqlglot parse + transpile.

    python benchmarks/guard_latency.py [--bench /work/shared/benchmarks] [--rounds 5]

The Spider dev and defog gold queries (SQLite databases) stand in for SQL a model writes.
Each is guarded (parse, every check, row limit, transpile to PostgreSQL) `rounds` times; the
baseline is sqlglot's parse + transpile of the same text to the same dialect in the same run.
A second guarded pass adds a row policy (the same table allowlist, a narrowed column list and
a tenant predicate on the first table of each database) to price the access rewrite.
Prints p50/p95 in ms of each and the ratio of guard to baseline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlglot

from nl2sql.catalog.introspect import introspect_url
from nl2sql.catalog.model import Catalog
from nl2sql.errors import GuardError
from nl2sql.guard import Access, Tenant, guard

DEFAULT_BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


def gold_queries(bench: Path) -> dict[Path, list[str]]:
    """{SQLite database: gold SQL texts} over Spider dev and defog (first alternative)."""
    by_db: dict[Path, list[str]] = {}
    for line in (bench / "spider" / "questions.jsonl").read_text().splitlines():
        q = json.loads(line)
        db = bench / "spider" / "database" / q["db_id"] / f"{q['db_id']}.sqlite"
        by_db.setdefault(db, []).append(q["gold_sql"])
    for line in (bench / "defog" / "questions.jsonl").read_text().splitlines():
        q = json.loads(line)
        by_db.setdefault(bench / "defog" / "sqlite" / f"{q['db_id']}.db", []).append(
            q["gold_sql_sqlite"])
    return by_db


def policy_for(catalog: Catalog) -> Access:
    """Every table allowed; the first table's first column is its tenant key and its last
    column hidden, so the rewrite runs wherever that table is read."""
    first = catalog.tables[0]
    kept = [c.name for c in first.columns[:-1]] or [first.columns[0].name]
    return Access(
        columns={first.name.lower(): frozenset(c.lower() for c in kept)},
        tenant=Tenant(tables={first.name.lower(): first.columns[0].name.lower()}, values=(1,),
                      shared=frozenset(t.name.lower() for t in catalog.tables)),
    )


def timed(fn: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return (time.perf_counter() - start) * 1000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = [(introspect_url(f"sqlite:///{db}", value_index_limit=1), sqls)
            for db, sqls in gold_queries(args.bench).items()]
    runs: dict[str, list[float]] = {"sqlglot parse+transpile": [], "guard": [],
                                    "guard + row policy": []}
    rejected = 0
    for _ in range(args.rounds):
        for catalog, sqls in work:
            access = policy_for(catalog)
            for sql in sqls:
                runs["sqlglot parse+transpile"].append(timed(
                    sqlglot.transpile, sql, read="sqlite", write="postgres"))
                opts = {"dialect": "postgres", "read": "sqlite", "max_rows": 1000}
                runs["guard"].append(timed(guard, sql, catalog, **opts))
                try:
                    runs["guard + row policy"].append(timed(guard, sql, catalog, **opts,
                                                            access=access))
                except GuardError:
                    rejected += 1
    base = statistics.median(runs["sqlglot parse+transpile"])
    n = sum(len(s) for _, s in work)
    print(f"{n} gold queries over {len(work)} databases x {args.rounds} rounds")
    print(f"{'':26} {'p50 ms':>8} {'p95 ms':>8} {'p50 / baseline':>15}")
    for name, values in runs.items():
        print(f"{name:26} {pct(values, 50):8.3f} {pct(values, 95):8.3f} "
              f"{statistics.median(values) / base:15.2f}")
    print(f"row-policy rejections (column hidden by the policy): {rejected}")


if __name__ == "__main__":
    main()
