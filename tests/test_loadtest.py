"""`nl2sql loadtest` against a real `nl2sql serve` process on the demo warehouse."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nl2sql.demo import build_demo
from nl2sql.errors import ConfigError, InputError
from nl2sql.loadtest import Question, load_questions, run_load

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent
QUESTIONS = [json.loads(line) for line in
             (ROOT / "fixtures" / "demo_questions.jsonl").read_text().splitlines()[:6]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("load") / "trading.duckdb"
    build_demo(path, scale=0.02)
    return path


def _serve(demo: Path, data_dir: Path, **settings: str) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "NL2SQL_DATABASE": f"duckdb:///{demo}", "NL2SQL_DATA_DIR": str(data_dir),
           "NL2SQL_AS_OF": "2026-11-24", **{f"NL2SQL_{k.upper()}": v for k, v in settings.items()}}
    proc = subprocess.Popen([sys.executable, "-m", "nl2sql.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture(scope="module")
def gateway(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(demo, tmp_path_factory.mktemp("data"))


def test_load_reports_throughput_stages_and_accuracy(gateway: str, demo: Path,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS))
    questions = load_questions(path, gold_database=f"duckdb:///{demo}")
    assert all(q.gold_rows is not None for q in questions)
    report = run_load(gateway, questions, clients=8, seconds=2)
    assert len(report.answered) > 20
    assert set(report.stages) >= {"link", "generate", "guard", "execute", "answer", "total"}
    assert report.checked == len(report.answered) and report.correct > 0
    text = "\n".join(report.lines())
    assert "req/s" in text and "p99" in text and "execution accuracy under load" in text


def test_overload_is_counted_by_type_and_answered_fast(demo: Path, tmp_path: Path) -> None:
    slow = Question("select sum((a.x + b.x) % 7) from range(1000000) a(x), range(200) b(x)")
    for url in _serve(demo, tmp_path, max_concurrency="1", max_queue="1", cache_size="0",
                      statement_timeout_ms="60000"):
        report = run_load(url, [slow], clients=30, seconds=2, endpoint="sql", backoff=False)
        assert report.errors["backend_busy"] > 0 and report.refused
        refused = sorted(report.refused)
        assert refused[len(refused) // 2] < 0.1  # the median refusal takes under 100 ms
        assert set(report.errors) == {"backend_busy"}


def test_cli_prints_the_report(gateway: str) -> None:
    out = subprocess.run([sys.executable, "-m", "nl2sql.cli", "loadtest", gateway,
                          "--clients", "4", "--duration", "1"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "answers/s" in out.stdout and "errors:" in out.stdout


def test_bad_arguments_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="http://host:port"):
        run_load("localhost:80", [Question("x")], clients=1, seconds=1)
    with pytest.raises(InputError):
        run_load("http://127.0.0.1:9", [], clients=1, seconds=1)
    with pytest.raises(InputError, match="cannot read"):
        load_questions(tmp_path / "missing.jsonl")
