"""Per-stage latency of the gateway on the demo suite (DuckDB), beside a bare query baseline.

    python benchmarks/latency.py --demo-dir ~/.local/share/nl2sql/demo [--rounds 20]

Runs every demo question `rounds` times through Gateway.ask (questions it cannot answer are
skipped), prints p50/p95 per stage, the CPU time of planning a question (Gateway.plan; first
round: every question new; and the cheapest later round), the gateway's own work (link +
generate + guard + answer), and the ratio of that work to a bare `SELECT 1` on the same backend measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
from pathlib import Path

from nl2sql.demo import build_demo
from nl2sql.errors import Nl2SqlError
from nl2sql.pipeline import Gateway

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("link", "generate", "guard", "execute", "answer", "total")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-dir", type=Path)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "tests" / "fixtures" / "demo_questions.jsonl").read_text().splitlines()]
    with tempfile.TemporaryDirectory(prefix="nl2sql-lat-") as tmp:
        demo = args.demo_dir / "trading.duckdb" if args.demo_dir else Path(tmp) / "t.duckdb"
        if not demo.exists():
            build_demo(demo)
        start = time.perf_counter()
        gateway = Gateway.open(f"duckdb:///{demo}")
        opened = time.perf_counter() - start
        gateway.run_sql("SELECT 1")  # loads the SQL dialects outside the measured rounds
        samples: dict[str, list[float]] = {s: [] for s in (*STAGES, "own")}
        bare: list[float] = []
        failed = 0
        # CPU seconds of planning (link + generate + guard) per round: round 1 sees every
        # question for the first time, as a gateway with its plan memo off or cold does.
        plan_cpu: list[float] = []
        for _ in range(args.rounds):
            plan_cpu.append(0.0)
            for q in questions:
                cpu = time.process_time()
                with contextlib.suppress(Nl2SqlError):
                    gateway.plan(q)
                plan_cpu[-1] += time.process_time() - cpu
                try:
                    t = gateway.ask(q).timings_ms
                except Nl2SqlError:
                    failed += 1
                    continue
                for s in STAGES:
                    samples[s].append(t[s])
                samples["own"].append(t["link"] + t["generate"] + t["guard"] + t["answer"])
                b = time.perf_counter()
                gateway.backend.run("SELECT 1")
                bare.append((time.perf_counter() - b) * 1000)
        gateway.close()
    print(f"gateway open (introspect + value index): {opened:.2f} s")
    print(f"{len(samples['total'])} answered, {failed} not answered, {args.rounds} rounds")
    print(f"{'stage':<10} {'p50 ms':>8} {'p95 ms':>8}")
    for s in (*STAGES, "own"):
        print(f"{s:<10} {statistics.median(samples[s]):8.2f} {pct(samples[s], 95):8.2f}")
    per_question = [1000 * c / len(questions) for c in plan_cpu]
    print(f"planning CPU per question: first round {per_question[0]:.2f} ms, later rounds "
          f"min {min(per_question[1:] or per_question):.2f} ms (sqlglot compiled: {_compiled()})")
    base = statistics.median(bare)
    print(f"baseline SELECT 1 p50 {base:.3f} ms; gateway own work p50 = "
          f"{statistics.median(samples['own']) / base:.1f}x the bare query")


def _compiled() -> bool:
    """Whether sqlglot runs as mypyc-compiled extensions (the sqlglotc package)."""
    import sqlglot.parser

    return not sqlglot.parser.__file__.endswith(".py")


if __name__ == "__main__":
    main()
