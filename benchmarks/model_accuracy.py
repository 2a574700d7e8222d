"""The served-model tier against its naive baseline, same model, same run, on a Spider subset.

    python benchmarks/model_accuracy.py --size 0.5b --per-db 10
    python benchmarks/model_accuracy.py --size 1.5b --per-db 10 --modes naive,gateway,grammar

Modes: `naive` (the whole schema as CREATE TABLE statements plus the question, temperature 0,
SQL run as written), `gateway` (nl2sql.llm.model_propose: the linked slice with comments,
example values and join keys, guard and execution errors fed back for repair), `grammar`
(gateway plus a GBNF grammar restricted to the slice's names). The model runs in process on
llama.cpp (xllamacpp) on this CPU. Prints EX, latency and per-stage means per mode, the
failure kinds, and the model file's sha256.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from nl2sql.errors import Nl2SqlError
from nl2sql.eval import connect_scoring, load_questions, locate_database, score_prediction
from nl2sql.eval.dataset import EvalQuestion
from nl2sql.eval.execute import ScoringDatabase
from nl2sql.eval.report import percentile
from nl2sql.llm import ClientOptions, ModelClient, ModelOptions, model_propose, naive_prompt
from nl2sql.llm.fetch import MODELS, fetch_model, model_cache_dir
from nl2sql.llm.server import LocalModelServer, ServerOptions
from nl2sql.pipeline import Gateway
from nl2sql.settings import load_settings

BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
DBS = ("concert_singer", "pets_1", "car_1", "employee_hire_evaluation")
_UNKNOWN = re.compile(r"no such (column|table)|unknown (column|table)", re.IGNORECASE)


@dataclass
class Tally:
    correct: int = 0
    total: int = 0
    latencies: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)
    by_hardness: Counter[str] = field(default_factory=Counter)
    hardness_total: Counter[str] = field(default_factory=Counter)

    def add(self, ok: bool, latency_ms: float, stages: dict[str, float], hardness: str,
            failure: str | None) -> None:
        self.total += 1
        self.correct += ok
        self.latencies.append(latency_ms)
        for k, v in stages.items():
            self.stages.setdefault(k, []).append(v)
        self.hardness_total[hardness] += 1
        self.by_hardness[hardness] += ok
        if failure:
            self.failures[failure] += 1


def _failure_kind(error: str | None) -> str:
    if error is None:
        return "wrong result"
    if _UNKNOWN.search(error):
        return "unknown identifier at execution"
    if "prediction failed" in error:
        return "other execution error"
    return error.split(":", 1)[0]


def run(size: str, per_db: int, modes: list[str], dbs: tuple[str, ...]) -> None:
    settings = load_settings(max_rows=1_000_000)
    gguf = fetch_model(size, model_cache_dir(settings.data_dir))
    questions = [q for q in load_questions(BENCH / "spider" / "questions.jsonl")
                 if q.db_id in dbs]
    chosen = [q for db in dbs for q in [q for q in questions if q.db_id == db][:per_db]]
    tallies = {m: Tally() for m in modes}
    start = time.perf_counter()
    with LocalModelServer(ServerOptions(gguf, port=0, threads=settings.model_threads,
                                        context=settings.model_context)) as server:
        client = ModelClient(ClientOptions(base_url=server.base_url, timeout_s=180, retries=0))
        for db_id in dbs:
            ref = locate_database(db_id, BENCH / "spider" / "database")
            gateway = Gateway.open(ref.url, settings)
            db = connect_scoring(ref.url, 1_000_000)
            try:
                for q in (q for q in chosen if q.db_id == db_id):
                    for mode in modes:
                        _one(mode, q, gateway, db, client, tallies[mode])
            finally:
                db.close()
                gateway.close()
    print(f"model {gguf.name} sha256 {MODELS[size].sha256} ({gguf.stat().st_size:,} bytes), "
          f"llama.cpp via xllamacpp, {settings.model_threads} thread(s)")
    print(f"{len(chosen)} Spider dev questions from {', '.join(dbs)}; "
          f"wall {time.perf_counter() - start:.0f} s")
    for mode, t in tallies.items():
        _report(mode, t)


def _one(mode: str, q: EvalQuestion, gateway: Gateway, db: ScoringDatabase,
         client: ModelClient, tally: Tally) -> None:
    t = time.perf_counter()
    stages: dict[str, float] = {}
    try:
        if mode == "naive":
            sql, details = naive_prompt(q.question, gateway.catalog, client)
        else:
            options = ModelOptions(grammar="llama.cpp" if mode == "grammar" else "off")
            sql, _, details = model_propose(q.question, gateway, client=client, options=options)
        stages = details.timings_ms
    except Nl2SqlError as e:
        tally.add(False, (time.perf_counter() - t) * 1000, stages, q.hardness or "?",
                  f"no query ({e.details.get('reason') or e.type})")
        return
    latency = (time.perf_counter() - t) * 1000
    score = score_prediction(db, q.golds("sqlite"), sql)
    tally.add(score.correct, latency, stages, q.hardness or "?",
              None if score.correct else _failure_kind(score.error))


def _report(mode: str, t: Tally) -> None:
    ex = 100 * t.correct / max(t.total, 1)
    hard = ", ".join(f"{h} {100 * t.by_hardness[h] / n:.0f}% ({t.by_hardness[h]}/{n})"
                     for h, n in sorted(t.hardness_total.items()))
    stages = ", ".join(f"{k} {statistics.mean(v):.0f}" for k, v in t.stages.items())
    print(f"\n[{mode}] EX {ex:.1f}% ({t.correct}/{t.total}); {hard}")
    print(f"  latency ms: mean {statistics.mean(t.latencies):.0f}, "
          f"p50 {percentile(t.latencies, 50):.0f}, p95 {percentile(t.latencies, 95):.0f}")
    print(f"  stage means ms: {stages}")
    print(f"  failures: {dict(t.failures.most_common())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(MODELS), default="0.5b")
    parser.add_argument("--per-db", type=int, default=10, help="questions per database")
    parser.add_argument("--modes", default="naive,gateway",
                        help="comma-separated: naive, gateway, grammar")
    parser.add_argument("--dbs", default=",".join(DBS), help="comma-separated db_ids")
    args = parser.parse_args()
    run(args.size, args.per_db, args.modes.split(","), tuple(args.dbs.split(",")))


if __name__ == "__main__":
    main()
