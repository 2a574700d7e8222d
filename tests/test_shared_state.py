"""Shared state on the real Redis at 127.0.0.1:6379: cache, stampede locks, rate limits, workers.

Every test writes under a prefix of its own and deletes it afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from nl2sql.backends import Result
from nl2sql.demo import AS_OF_DATE, build_demo
from nl2sql.errors import ConfigError
from nl2sql.service import build_app
from nl2sql.service.cache import fill_once
from nl2sql.service.shared_state import (
    LocalState,
    RedisState,
    decode_result,
    encode_result,
    open_state,
)
from nl2sql.settings import load_settings

REDIS_URL = os.environ.get("NL2SQL_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    p = f"nl2sql-test:{secrets.token_hex(4)}:"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as e:
        pytest.fail(f"Redis test server unreachable at {REDIS_URL}: {e}")
    yield p
    keys = list(client.scan_iter(match=p + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    path = tmp_path / "t.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "b")])
    return f"sqlite:///{path}"


def test_results_round_trip_with_exact_types() -> None:
    row = (1, 2.5, "茅台", None, True, Decimal("1.50"), dt.date(2026, 11, 24),
           dt.datetime(2026, 11, 24, 9, 30, tzinfo=dt.UTC), dt.time(15, 0),
           dt.timedelta(seconds=90), b"\x00\xff")
    result = Result(("a", "b"), [row], truncated=True, elapsed_ms=1.5)
    raw = encode_result(result)
    assert raw is not None and decode_result(raw) == result
    # A JSON column's object could be mistaken for a tag: such results are not cached.
    assert encode_result(Result(("j",), [({"d": "1"},)])) is None


def test_redis_cache_is_shared_expires_and_clears(prefix: str) -> None:
    a, b = RedisState(REDIS_URL, 0.3, prefix), RedisState(REDIS_URL, 0.3, prefix)
    other = RedisState(REDIS_URL, 60, prefix + "other:")
    result = Result(("x",), [(Decimal("2.00"),)])
    a.put("k", result)
    other.put("k", result)
    assert b.get("k") == result and b.get("missing") is None
    time.sleep(0.4)
    assert b.get("k") is None  # the TTL applies in Redis
    a.put("k1", result)
    a.put("k2", result)
    assert b.clear() == 2 and a.get("k1") is None
    assert other.get("k") == result  # another prefix is another deployment's


@pytest.mark.parametrize("kind", ["local", "redis"])
def test_a_stampede_computes_once(kind: str, prefix: str) -> None:
    """Eight concurrent misses of one key (two 'workers') run the query once."""
    if kind == "local":
        shared = LocalState(16, 60)
        workers = [shared, shared]
    else:
        workers = [RedisState(REDIS_URL, 60, prefix), RedisState(REDIS_URL, 60, prefix)]
    computed = []

    def compute() -> Result:
        computed.append(1)
        time.sleep(0.3)
        return Result(("n",), [(len(computed),)])

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(
            lambda i: fill_once(workers[i % 2], "q", compute, wait_s=5), range(8)))
    assert len(computed) == 1
    assert {r.rows[0][0] for r, _ in outcomes} == {1}
    assert sorted(hit for _, hit in outcomes) == [False] + [True] * 7


def test_waiters_compute_themselves_when_the_holder_fails_or_dies(prefix: str) -> None:
    state = RedisState(REDIS_URL, 60, prefix)
    calls = []

    def flaky() -> Result:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.2)
            raise RuntimeError("first computation fails")
        return Result(("n",), [(len(calls),)])

    errors: list[BaseException] = []

    def first() -> None:
        try:
            fill_once(state, "f", flaky, wait_s=5)
        except RuntimeError as e:
            errors.append(e)

    t = threading.Thread(target=first)
    t.start()
    time.sleep(0.05)
    result, hit = fill_once(state, "f", flaky, wait_s=5)  # waits, then computes itself
    t.join()
    assert len(errors) == 1 and (result.rows, hit, len(calls)) == ([(2,)], False, 2)

    # A holder that died never unlocks: the wait is bounded by wait_s, then the lock expires.
    assert state.try_lock("dead", hold_s=0.3) is not None
    start = time.monotonic()
    result, hit = fill_once(state, "dead", lambda: Result(("n",), [(7,)]), wait_s=0.3)
    assert 0.25 < time.monotonic() - start < 2 and result.rows == [(7,)] and not hit


def test_rate_limit_is_shared_by_two_apps(prefix: str, sqlite_url: str,
                                          tmp_path: Path) -> None:
    keys = {"k1": {"role": "analyst", "rate_per_s": 0.5, "burst": 2, "name": "bi"}}
    settings = load_settings(database=sqlite_url, data_dir=tmp_path, api_keys=keys,
                             state_url=REDIS_URL, state_prefix=prefix)
    body = {"sql": "SELECT name FROM t ORDER BY id"}
    auth = {"X-API-Key": "k1"}
    with TestClient(build_app(settings)) as a, TestClient(build_app(settings)) as b:
        assert a.post("/v1/sql", json=body, headers=auth).status_code == 200
        second = b.post("/v1/sql", json=body, headers=auth)
        assert second.status_code == 200 and second.json()["cached"]  # a's result, via Redis
        third = b.post("/v1/sql", json=body, headers=auth)  # the burst of 2 is spent in total
        assert third.status_code == 429 and int(third.headers["Retry-After"]) >= 1
        assert a.post("/v1/sql", json=body, headers=auth).status_code == 429


def test_an_unreachable_redis_degrades_to_no_cache(sqlite_url: str, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    state = RedisState("redis://127.0.0.1:1/0", 60)
    assert state.get("k") is None and state.take("b", 1, 1) == 0.0
    assert state.try_lock("k", 1) is not None
    settings = load_settings(database=sqlite_url, data_dir=tmp_path,
                             state_url="redis://127.0.0.1:1/0")
    with TestClient(build_app(settings)) as c:
        for _ in range(2):
            r = c.post("/v1/sql", json={"sql": "SELECT count(*) FROM t"})
            assert r.status_code == 200 and r.json()["rows"] == [[2]]
            assert not r.json()["cached"]
    assert "shared state unavailable" in caplog.text


def test_state_url_is_checked(tmp_path: Path) -> None:
    assert isinstance(open_state(load_settings(data_dir=tmp_path)), LocalState)
    with pytest.raises(ConfigError, match="redis://"):
        open_state(load_settings(data_dir=tmp_path, state_url="memcached://x"))
    with pytest.raises(ConfigError, match="bad Redis URL"):
        open_state(load_settings(data_dir=tmp_path, state_url="redis://h:notaport/0"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_two_workers_answer_and_share_one_cache(prefix: str, tmp_path: Path) -> None:
    """`nl2sql serve --workers 2`: both processes answer; a repeated question runs once."""
    db = tmp_path / "trading.duckdb"
    build_demo(db, scale=0.02)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = _free_port()
    env = {**os.environ, "NL2SQL_DATABASE": f"duckdb:///{db}", "NL2SQL_DATA_DIR": str(tmp_path),
           "NL2SQL_AS_OF": AS_OF_DATE.isoformat(), "NL2SQL_STATE_URL": REDIS_URL,
           "NL2SQL_STATE_PREFIX": prefix, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "nl2sql.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, server)
        question = {"question": "每个行业有多少只股票"}
        # Fresh connections, several at once, so the kernel hands them to both workers.
        def ask(_: int) -> dict:
            r = httpx.post(f"{base}/v1/ask", json=question, timeout=30)
            assert r.status_code == 200, r.text
            return r.json()

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(ask, range(24)))
        assert len({str(a["rows"]) for a in answers}) == 1 and answers[0]["rows"]
        assert sum(not a["cached"] for a in answers) == 1
        served = {p.name for p in metrics_dir.glob("counter_*.db")}
        assert len(served) >= 2, served  # each worker counted requests of its own
        text = httpx.get(f"{base}/metrics", timeout=10).text
        assert 'nl2sql_cache_lookups_total{result="miss"} 1.0' in text
        assert 'nl2sql_cache_lookups_total{result="hit"} 23.0' in text
    finally:
        server.terminate()
        server.wait(30)


def _wait_healthy(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"serve exited: {server.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("serve did not become healthy in 60 s")


DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def test_deploy_manifests_parse_and_wire_probes_and_state() -> None:
    import yaml

    docs = [d for f in sorted((DEPLOY / "k8s").glob("*.yaml"))
            for d in yaml.safe_load_all(f.read_text(encoding="utf-8")) if d]
    by_kind = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    gateway = by_kind[("Deployment", "nl2sql-gateway")]["spec"]["template"]["spec"]
    container = gateway["containers"][0]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz"
    hpa = by_kind[("HorizontalPodAutoscaler", "nl2sql-gateway")]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "nl2sql-gateway" and hpa["minReplicas"] >= 2
    config = by_kind[("ConfigMap", "nl2sql")]["data"]
    assert config["NL2SQL_STATE_URL"].startswith("redis://redis:")
    assert ("Service", "redis") in by_kind
    assert load_settings(**{k.removeprefix("NL2SQL_").lower(): v for k, v in config.items()})
    job = by_kind[("Job", "nl2sql-synth")]["spec"]
    assert job["completionMode"] == "Indexed" and job["completions"] == job["parallelism"]
    assert f'"${{JOB_COMPLETION_INDEX}}/{job["completions"]}"' in \
        job["template"]["spec"]["containers"][0]["args"][0]
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert "redis" in compose["services"]
    assert compose["services"]["gateway"]["environment"]["NL2SQL_STATE_URL"].startswith("redis")
