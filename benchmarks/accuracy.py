"""Execution accuracy of the full pipeline on the DEV benchmarks and the demo-warehouse suite.

    python benchmarks/accuracy.py                 # builds the demo (scale 1) in a temp dir
    python benchmarks/accuracy.py --demo-dir ~/.local/share/nl2sql/demo
    python benchmarks/accuracy.py --demo-dir ~/.local/share/nl2sql/demo --no-train

Each database first gets its plan model from its own synthetic pairs (`nl2sql train`;
cached by schema fingerprint under the data folder), unless --no-train.

Prints each set's report (as `nl2sql eval` does), then one summary line per set.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

from nl2sql.demo import build_demo
from nl2sql.eval import gateway_factory, run_eval
from nl2sql.eval.report import format_ex, format_report
from nl2sql.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "benchmarks"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-dir", type=Path, help="folder holding trading.duckdb")
    parser.add_argument("--no-train", dest="train", action="store_false",
                        help="rule parser only: no per-database plan model")
    args = parser.parse_args()
    make = gateway_factory(load_settings(max_rows=1_000_000), train=args.train)
    with tempfile.TemporaryDirectory(prefix="nl2sql-acc-") as tmp:
        demo_dir = args.demo_dir
        if demo_dir is None or not (demo_dir / "trading.duckdb").exists():
            demo_dir = Path(tmp)
            build_demo(demo_dir / "trading.duckdb")
        sets = [
            ("spider dev (10 dbs)", BENCH / "spider" / "questions.jsonl",
             BENCH / "spider" / "database"),
            ("defog (sqlite)", BENCH / "defog" / "questions.jsonl", BENCH / "defog" / "sqlite"),
            ("demo suite", ROOT / "tests" / "fixtures" / "demo_questions.jsonl", demo_dir),
        ]
        summary = []
        for name, questions, databases in sets:
            start = time.perf_counter()
            report = run_eval(questions, databases, make_predictor=make, progress=False)
            print(f"\n== {name}")
            print("\n".join(format_report(report)))
            summary.append((name, report, time.perf_counter() - start))
    print(f"\n== summary ({date.today()}, {platform.node()}, {platform.processor() or 'cpu'})")
    for name, report, seconds in summary:
        print(f"{name:<22} {format_ex(report.correct, report.total)}   ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
