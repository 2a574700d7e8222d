"""Time `build_demo`: a DuckDB file in a temp dir, and optionally a PostgreSQL database.

    python benchmarks/demo_build.py                      # scale 1 into DuckDB
    python benchmarks/demo_build.py --scale 0.2
    python benchmarks/demo_build.py --target postgresql://postgres@127.0.0.1:5432/demo_bench

A PostgreSQL target must name an existing database; its demo tables are dropped and recreated.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from nl2sql.demo import BuildReport, build_demo


def _stage_timer() -> tuple[list[tuple[str, float]], Callable[[str, float], None]]:
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()

    def progress(stage: str, _fraction: float) -> None:
        marks.append((stage, time.perf_counter() - start))

    return marks, progress


def _print(label: str, report: BuildReport, marks: list[tuple[str, float]], size: int | None) -> None:
    print(f"\n== {label}: scale={report.scale} seed={report.seed} -> {report.target}")
    print(f"total {report.seconds:.2f} s" + (f", file {size / 1e6:.0f} MB" if size else ""))
    previous = 0.0
    for stage, at in marks:
        print(f"  stage {stage:<24} {at - previous:7.2f} s")
        previous = at
    for table, n in report.rows.items():
        print(f"  {table:<16} {n:>10,} rows")
    print(f"  {'(all)':<16} {sum(report.rows.values()):>10,} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--target", help="also load into this postgresql:// URL and time it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nl2sql-bench-") as tmp:
        path = Path(tmp) / "trading.duckdb"
        marks, progress = _stage_timer()
        report = build_demo(path, scale=args.scale, seed=args.seed, progress=progress)
        _print("duckdb", report, marks, path.stat().st_size)
    if args.target:
        marks, progress = _stage_timer()
        report = build_demo(args.target, scale=args.scale, seed=args.seed, progress=progress)
        _print("postgresql", report, marks, None)


if __name__ == "__main__":
    main()
