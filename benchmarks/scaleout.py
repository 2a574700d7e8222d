"""Scale-out of `nl2sql serve --workers N`: throughput with 1 and 2 workers, CPU per process,
memory per worker, and the result cache's hit rate across workers (in-process vs Redis).

    python benchmarks/scaleout.py [--db ~/.local/share/nl2sql/demo/trading.duckdb]
        [--seconds 15] [--clients 16] [--loadgen-cpu 1] [--redis redis://127.0.0.1:6379/0]

Throughput runs have the result cache off, so every answer links, parses, guards and runs
its query; the question mix is the demo suite's questions that the gateway answers (tiers
0/1, no model). The load generator (nl2sql.loadtest, asyncio) runs in this process, pinned
with sched_setaffinity to --loadgen-cpu; the server is started under `taskset` on all CPUs.
CPU seconds of every process are read from /proc, so a ratio below the target comes with
where the time went. The cache runs send each question --repeat times, shuffled, and read
hits and misses summed over workers from /metrics (PROMETHEUS_MULTIPROC_DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from nl2sql.demo import AS_OF_DATE
from nl2sql.loadtest import Question, run_load
from nl2sql.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "fixtures" / "demo_questions.jsonl"
_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    metrics_dir: Path

    def workers(self) -> list[int]:
        """The processes serving requests: the supervisor's workers, or itself alone."""
        pid = self.process.pid
        kids = [int(p) for p in
                Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        workers = [k for k in kids if b"resource_tracker" not in
                   Path(f"/proc/{k}/cmdline").read_bytes()]
        return workers or [pid]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, workers: int, env: dict[str, str], tmp: Path) -> Server:
    metrics = Path(tempfile.mkdtemp(dir=tmp, prefix="metrics-"))
    port = _free_port()
    cpus = ",".join(str(c) for c in sorted(os.sched_getaffinity(0) | {0, 1}))
    full_env = {**os.environ, "NL2SQL_DATABASE": f"duckdb:///{db}", "NL2SQL_DATA_DIR": str(tmp),
                "NL2SQL_AS_OF": AS_OF_DATE.isoformat(), "NL2SQL_LOG_FORMAT": "text",
                "PROMETHEUS_MULTIPROC_DIR": str(metrics), "NL2SQL_AUTO_TRAIN": "false", **env}
    cmd = ["taskset", "-c", cpus, sys.executable, "-m", "nl2sql.cli", "serve",
           "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    server = Server(proc, f"http://127.0.0.1:{port}", metrics)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.stop()
    raise SystemExit("the server did not come up in 120 s")


def warm(server: Server, questions: list[str], workers: int) -> None:
    """Ask until every worker has opened its gateway (introspection) and answered."""
    deadline = time.monotonic() + 300
    with ThreadPoolExecutor(2 * workers) as pool:
        while time.monotonic() < deadline:
            list(pool.map(lambda q: httpx.post(server.url + "/v1/ask", json={"question": q},
                                               timeout=120), questions[:4 * workers]))
            if len(list(server.metrics_dir.glob("counter_*.db"))) >= workers:
                return
    raise SystemExit("not every worker answered during warm-up")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def rss_mib(pid: int) -> float:
    m = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(m.group(1)) / 1024 if m else 0.0


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def answerable(db: Path, tmp: Path) -> list[str]:
    """The demo questions the gateway answers (one worker, no cache)."""
    texts = [json.loads(ln)["question"] for ln in QUESTIONS.read_text().splitlines() if ln]
    server = start_server(db, 1, {"NL2SQL_CACHE_SIZE": "0"}, tmp)
    try:
        return [q for q in texts if httpx.post(server.url + "/v1/ask", json={"question": q},
                                               timeout=120).status_code == 200]
    finally:
        server.stop()


def throughput(db: Path, workers: int, questions: list[str], args: argparse.Namespace,
               tmp: Path) -> dict[str, float]:
    server = start_server(db, workers, {"NL2SQL_CACHE_SIZE": "0"}, tmp)
    try:
        warm(server, questions, workers)
        pids = server.workers()
        before = {p: cpu_seconds(p) for p in pids}
        own = self_cpu()
        report = run_load(server.url, [Question(q) for q in questions],
                          clients=args.clients, seconds=args.seconds)
        cpu = {p: cpu_seconds(p) - before[p] for p in pids}
        out = {"answers_per_s": len(report.answered) / report.seconds,
               "errors": float(sum(report.errors.values())),
               "p50_ms": sorted(report.answered)[len(report.answered) // 2] * 1000,
               "loadgen_cpu_s": self_cpu() - own, "seconds": report.seconds}
        for i, p in enumerate(pids):
            out[f"worker{i}_cpu_s"] = cpu[p]
            out[f"worker{i}_rss_mib"] = rss_mib(p)
        return out
    finally:
        server.stop()


def hit_rate(db: Path, workers: int, state_url: str, questions: list[str], repeat: int,
             tmp: Path) -> tuple[float, int, int]:
    """(hit rate, hits, misses) over a shuffled mix of each question `repeat` times."""
    env = {"NL2SQL_STATE_URL": state_url, "NL2SQL_STATE_PREFIX": f"bench:{secrets.token_hex(4)}:"}
    server = start_server(db, workers, env, tmp)
    try:
        warm(server, ["SELECT 1"] * 8, workers)  # a question no gateway answers: no cache entry
        before = _lookups(server)
        mix = questions * repeat
        random.Random(0).shuffle(mix)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda q: httpx.post(server.url + "/v1/ask", json={"question": q},
                                               timeout=120), mix))
        after = _lookups(server)
    finally:
        server.stop()
        if state_url:
            import redis

            client = redis.Redis.from_url(state_url)
            keys = list(client.scan_iter(match=env["NL2SQL_STATE_PREFIX"] + "*"))
            if keys:
                client.delete(*keys)
    hits, misses = after[0] - before[0], after[1] - before[1]
    return hits / max(1, hits + misses), hits, misses


def _lookups(server: Server) -> tuple[int, int]:
    text = httpx.get(server.url + "/metrics", timeout=10).text
    got = {m.group(1): float(m.group(2)) for m in re.finditer(
        r'nl2sql_cache_lookups_total\{result="(\w+)"\} ([0-9.e+]+)', text)}
    return int(got.get("hit", 0)), int(got.get("miss", 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=load_settings().demo_path)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--loadgen-cpu", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    if not args.db.exists():
        raise SystemExit(f"no demo warehouse at {args.db}: run `nl2sql demo build`")
    os.sched_setaffinity(0, {args.loadgen_cpu})
    with tempfile.TemporaryDirectory(prefix="nl2sql-scaleout-") as tmp_dir:
        tmp = Path(tmp_dir)
        questions = answerable(args.db, tmp)
        print(f"machine: {os.cpu_count()} CPUs (shared); load generator pinned to CPU "
              f"{args.loadgen_cpu}; {len(questions)} answerable demo questions; "
              f"{args.clients} clients x {args.seconds:g} s; result cache off")
        runs = {n: throughput(args.db, n, questions, args, tmp) for n in (1, 2)}
        for n, r in runs.items():
            workers = sorted(k.split("_")[0] for k in r if k.endswith("_cpu_s") and
                             k.startswith("worker"))
            cpu = ", ".join(f"{w} {r[w + '_cpu_s']:.1f} s / {r[w + '_rss_mib']:.0f} MiB RSS"
                            for w in workers)
            print(f"{n} worker(s): {r['answers_per_s']:.1f} answers/s, p50 {r['p50_ms']:.1f} ms, "
                  f"errors {r['errors']:.0f}; CPU over {r['seconds']:.0f} s: {cpu}; "
                  f"load generator {r['loadgen_cpu_s']:.1f} s")
        print(f"ratio 2 workers / 1 worker: {runs[2]['answers_per_s'] / runs[1]['answers_per_s']:.2f}x"
              " (target >= 1.6x)")
        print(f"cache mix: each of {len(questions)} questions x {args.repeat}, shuffled, 8 clients;"
              f" ideal hit rate {1 - 1 / args.repeat:.1%}")
        for label, url in (("in-process", ""), ("redis", args.redis)):
            for n in (1, 2):
                rate, hits, misses = hit_rate(args.db, n, url, questions, args.repeat, tmp)
                print(f"cache {label:10s} {n} worker(s): hit rate {rate:.1%} "
                      f"({hits} hits, {misses} misses)")


if __name__ == "__main__":
    main()
