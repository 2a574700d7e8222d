"""Gateway throughput beside a bare FastAPI echo endpoint, same server settings, same run.

    python benchmarks/throughput.py [--demo ~/.local/share/nl2sql/demo/trading.duckdb]
                                    [--seconds 10] [--clients 16] [--crowd 1000]

Starts two uvicorn servers in turn (one worker, asyncio loop, h11, no access log, pinned to
CPU 0 with taskset): the gateway on the demo DuckDB warehouse and a bare FastAPI app whose
POST /v1/ask only echoes its JSON body. This process, the load generator (nl2sql.loadtest),
pins itself to the other CPUs. The question mix is the tier 0/1 demo questions
(tests/fixtures/demo_questions.jsonl) that the gateway answers. Prints the gateway's and the
bare endpoint's req/s and their ratio and p99 at `clients` concurrent clients, with the plan
memo on (repeated questions skip link, generate and guard) and off (every question planned);
and a run with `crowd` concurrent clients: refusals' latency, errors by type, the server's
RSS before and after, whether it still answers afterwards, and a probe client's view of
refusals once the crowd's first burst is past.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nl2sql.loadtest import Question, Report, run_load

ROOT = Path(__file__).resolve().parents[1]
SERVER_CPU = "0"
BARE_APP = '''
from typing import Any
from fastapi import FastAPI
# FastAPI's OpenTelemetry hooks off, as in the gateway: the same server settings.
app = FastAPI(telemetry={"tracing": False, "metrics": False, "logs": False})

@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}

@app.post("/v1/ask")
async def echo(body: dict[str, Any]) -> dict[str, Any]:
    return body
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def alive(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@contextmanager
def server(app: str, env: dict[str, str], cwd: Path) -> Iterator[tuple[str, int]]:
    """A uvicorn server for `app` pinned to SERVER_CPU; yields its URL and pid."""
    port = free_port()
    cmd = ["taskset", "-c", SERVER_CPU, sys.executable, "-m", "uvicorn", app,
           "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--loop", "asyncio",
           "--http", "h11", "--no-access-log", "--log-level", "warning", "--backlog", "2048"]
    # Steady-state serving: no background training of a plan model during the run.
    proc = subprocess.Popen(cmd, env={**os.environ, "NL2SQL_AUTO_TRAIN": "false", **env}, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not alive(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server {app} did not start")
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(30)


def answered(url: str, questions: list[str]) -> list[Question]:
    """The questions the gateway answers (also warms its catalog and result cache)."""
    kept = []
    for q in questions:
        req = urllib.request.Request(url + "/v1/ask", json.dumps({"question": q}).encode(),
                                     {"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                if r.status == 200:
                    kept.append(Question(q))
        except OSError:
            continue
    return kept


def show(label: str, r: Report) -> None:
    print(f"-- {label}")
    for line in r.lines():
        print("   " + line)


class Probe:
    """One extra client asking every `every_s` seconds during a run, on its own thread and
    connection, with timestamps: how fast overload is answered once a crowd's first burst
    (all clients connecting at once) is past, which the crowd's own figures mix together."""

    def __init__(self, url: str, question: str, every_s: float = 0.05) -> None:
        self.url, self.question, self.every_s = url, question, every_s
        self.samples: list[tuple[float, int, float]] = []  # (s since start, status, ms)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _loop(self) -> None:
        host, port = self.url.removeprefix("http://").split(":")
        body = json.dumps({"question": self.question})
        start = time.perf_counter()
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        while not self._stop.wait(self.every_s):
            t = time.perf_counter()
            try:
                conn.request("POST", "/v1/ask", body, {"content-type": "application/json"})
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                conn.close()
                status = 0
            self.samples.append((t - start, status, (time.perf_counter() - t) * 1000))
        conn.close()

    def line(self, after_s: float) -> str:
        late = [(status, ms) for t, status, ms in self.samples if t >= after_s]
        refused = sorted(ms for status, ms in late if status in (429, 503))
        ok = sorted(ms for status, ms in late if status == 200)
        return (f"probe after the first {after_s:.0f} s: {len(ok)} answered "
                f"(p50 {_pct(ok, 0.5):.1f} ms, p99 {_pct(ok, 0.99):.1f} ms), {len(refused)} "
                f"refused (p50 {_pct(refused, 0.5):.1f} ms, p99 {_pct(refused, 0.99):.1f} ms)")


def _pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path,
                        default=Path("~/.local/share/nl2sql/demo/trading.duckdb").expanduser())
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--crowd", type=int, default=1000)
    args = parser.parse_args()
    others = {c for c in os.sched_getaffinity(0) if str(c) != SERVER_CPU}
    if others:
        os.sched_setaffinity(0, others)
    lines = (ROOT / "tests" / "fixtures" / "demo_questions.jsonl").read_text().splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    print(f"server on CPU {SERVER_CPU}, load generator on CPUs {sorted(others) or 'shared'}; "
          f"{args.clients} clients x {args.seconds:.0f} s per run; load average at start "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    env = {"NL2SQL_DATABASE": f"duckdb:///{args.demo}", "NL2SQL_LOG_FORMAT": "json"}
    with tempfile.TemporaryDirectory(prefix="nl2sql-tp-") as tmp:
        Path(tmp, "bare_echo.py").write_text(BARE_APP)
        with server("bare_echo:app", {}, Path(tmp)) as (url, _):
            bare = run_load(url, [Question(q) for q in questions], clients=args.clients,
                            seconds=args.seconds)
        # Every question planned anew: what the memo saves, and the first-time cost.
        with server("nl2sql.service.asgi:app", {**env, "NL2SQL_PLAN_MEMO_SIZE": "0"},
                    ROOT) as (url, pid):
            cold = run_load(url, answered(url, questions), clients=args.clients,
                            seconds=args.seconds)
        with server("nl2sql.service.asgi:app", env, ROOT) as (url, pid):
            mix = answered(url, questions)
            print(f"question mix: {len(mix)} of {len(questions)} demo questions answered")
            gateway = run_load(url, mix, clients=args.clients, seconds=args.seconds)
            rss_before = rss_mib(pid)
            with Probe(url, mix[0].text) as probe:
                crowd = run_load(url, mix, clients=args.crowd, seconds=args.seconds)
            rss_after = rss_mib(pid)
            still = alive(url)
    show(f"bare echo, {args.clients} clients", bare)
    show(f"gateway, plan memo off (every question planned), {args.clients} clients", cold)
    show(f"gateway, {args.clients} clients", gateway)
    show(f"gateway, {args.crowd} clients", crowd)
    b_rate = len(bare.answered) / args.seconds
    for label, run in (("gateway", gateway), ("gateway, plan memo off", cold)):
        rate = len(run.answered) / args.seconds
        print(f"{label}: {rate:.0f} req/s, bare {b_rate:.0f} req/s, ratio {rate / b_rate:.1%} "
              f"(target >= 40% and >= 300 req/s); p99 at {args.clients} clients "
              f"{_pct(sorted(run.answered), 0.99) * 1000:.1f} ms (target <= 100 ms)")
    refused_p99 = _pct(sorted(crowd.refused), 0.99) * 1000 if crowd.refused else 0.0
    print(f"{args.crowd} clients: server alive after: {still}; RSS {rss_before:.0f} -> "
          f"{rss_after:.0f} MiB; overload answers p99 {refused_p99:.1f} ms (target <= 100 ms); "
          f"{len(crowd.answered)} answered, errors {dict(crowd.errors)}")
    print(f"{args.crowd} clients, {probe.line(after_s=2.0)}")
    print(f"load average at end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
