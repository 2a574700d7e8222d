"""The service's operational parts: result cache, API keys and rate limits, /metrics,
request ids and JSON logs, body cap, error envelopes and graceful shutdown."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient

from nl2sql.backends import Result
from nl2sql.demo import build_demo
from nl2sql.errors import BackendBusy, ConfigError
from nl2sql.pipeline import Gateway
from nl2sql.service import build_app
from nl2sql.service.auth import KeyRing, TokenBucket
from nl2sql.service.cache import LruTtlCache
from nl2sql.service.gateways import Gateways
from nl2sql.service.logs import JsonFormatter
from nl2sql.service.protocol import AskResponse
from nl2sql.settings import load_settings
from tests.paths import BENCH

SPIDER = BENCH / "spider" / "database"
COUNT = {"sql": "select count(*) from securities"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ops") / "trading.duckdb"
    build_demo(path, scale=0.02)
    return f"duckdb:///{path}"


@pytest.fixture(scope="module")
def client(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(database=demo, data_dir=tmp_path_factory.mktemp("data"))
    with TestClient(build_app(settings)) as c:
        yield c


def _app(demo: str, tmp_path: Path, **overrides) -> TestClient:
    return TestClient(build_app(load_settings(database=demo, data_dir=tmp_path, **overrides)))


def _metric(client: TestClient, line_start: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# -- result cache -------------------------------------------------------------------------

def test_same_query_spelled_differently_is_a_cache_hit(client: TestClient) -> None:
    client.post("/v1/cache/clear")
    hits = _metric(client, 'nl2sql_cache_lookups_total{result="hit"}')
    first = client.post("/v1/sql", json={"sql": "select count(*) as n from industry"}).json()
    again = client.post("/v1/sql", json={
        "sql": "SELECT   COUNT(*) AS n\n FROM industry -- same query, other spelling"}).json()
    assert (first["cached"], again["cached"]) == (False, True)
    assert first["rows"] == again["rows"] and first["sql"] == again["sql"]
    assert _metric(client, 'nl2sql_cache_lookups_total{result="hit"}') == hits + 1


def test_cache_is_per_database_and_skips_random(client: TestClient) -> None:
    sql = {"sql": "select random() as r from industry limit 1"}
    a, b = client.post("/v1/sql", json=sql).json(), client.post("/v1/sql", json=sql).json()
    assert not a["cached"] and not b["cached"] and a["rows"] != b["rows"]


def test_ask_answers_from_cache_too(client: TestClient) -> None:
    q = {"question": "How many securities are listed on each board?"}
    first = client.post("/v1/ask", json=q).json()
    body = client.post("/v1/ask", json=q).json()
    assert body["cached"] is True and len(body["rows"]) == 3
    assert {"link", "generate", "guard", "execute", "answer", "total"} <= set(body["timings_ms"])
    # The plan was remembered: the planning stages did not run the second time.
    assert first["timings_ms"]["generate"] > 0 and body["timings_ms"]["generate"] == 0
    assert (body["sql"], body["rows"], body["answer_text"]) == (
        first["sql"], first["rows"], first["answer_text"])


def test_changed_database_file_invalidates(tmp_path: Path,
                                           write_sql: Callable[[str, str], None]) -> None:
    path = tmp_path / "cs.sqlite"
    shutil.copy(SPIDER / "concert_singer" / "concert_singer.sqlite", path)
    path.chmod(0o644)
    url = f"sqlite:///{path}"
    sql = {"sql": "select count(*) from singer"}
    with TestClient(build_app(load_settings(database=url, data_dir=tmp_path))) as c:
        before = c.post("/v1/sql", json=sql).json()
        assert c.post("/v1/sql", json=sql).json()["cached"] is True
        time.sleep(0.01)  # a distinct mtime even on coarse clocks
        write_sql(url, "insert into singer (Singer_ID, Name) values (99, 'New Singer')")
        after = c.post("/v1/sql", json=sql).json()
    assert after["cached"] is False and after["rows"][0][0] == before["rows"][0][0] + 1


def test_cache_off(demo: str, tmp_path: Path) -> None:
    with _app(demo, tmp_path, cache_size=0) as c:
        c.post("/v1/sql", json=COUNT)
        assert c.post("/v1/sql", json=COUNT).json()["cached"] is False
        assert c.post("/v1/cache/clear").json() == {"cleared": 0}


def test_lru_ttl_cache_expiry_and_eviction() -> None:
    now = [0.0]
    cache = LruTtlCache(size=2, ttl_s=10, clock=lambda: now[0])
    r = Result(("n",), [(1,)])
    cache.put("a", r)
    cache.put("b", r)
    assert cache.get("a") is r  # a is now the most recently used
    cache.put("c", r)
    assert cache.get("b") is None and cache.get("a") is r and cache.get("c") is r
    now[0] = 10.0
    assert cache.get("a") is None and len(cache) == 1
    assert cache.clear() == 1 and len(cache) == 0


# -- plan memo ----------------------------------------------------------------------------

MEMO_HITS = 'nl2sql_plan_memo_lookups_total{result="hit"}'
MEMO_MISSES = 'nl2sql_plan_memo_lookups_total{result="miss"}'


def _memo(c: TestClient) -> tuple[float, float]:
    return _metric(c, MEMO_HITS), _metric(c, MEMO_MISSES)


def test_repeated_question_reuses_its_plan(client: TestClient) -> None:
    q = "每个行业有多少只股票？"
    hits, misses = _memo(client)
    first = client.post("/v1/ask", json={"question": q}).json()
    again = client.post("/v1/ask", json={"question": f"  {q} "}).json()  # spacing is ignored
    other = client.post("/v1/ask", json={"question": q, "default_policy": "first"}).json()
    assert _memo(client) == (hits + 1, misses + 2)
    assert first["timings_ms"]["link"] > 0 and again["timings_ms"]["link"] == 0
    assert other["timings_ms"]["link"] > 0
    assert again["sql"] == first["sql"] and again["rows"] == first["rows"]
    assert again["question"] == q and again["answer_text"] == first["answer_text"]


def test_plan_memo_never_serves_one_tenant_the_plan_of_another(
        demo: str, tmp_path: Path) -> None:
    """Two customer keys, one question: each gets its own plan (its tenant's predicate) and
    only its own rows, however often and in whatever order they ask."""
    path = demo.removeprefix("duckdb:///")
    with duckdb.connect(path, read_only=True) as con:
        a, b = (r[0] for r in con.execute(
            "SELECT account_id FROM trade GROUP BY 1 ORDER BY count(*) DESC LIMIT 2").fetchall())
    keys = {f"k-{acct}": {"role": "broadcast", "name": f"customer-{acct}",
                          "tenant": {"column": "account_id", "value": acct}} for acct in (a, b)}
    q = {"question": "成交金额最大的10个资金账号"}
    with _app(demo, tmp_path, api_keys=keys) as c:
        seen = {}
        for acct in (a, a, b, b, a):
            r = c.post("/v1/ask", json=q, headers={"X-API-Key": f"k-{acct}"})
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["rows"] and {row[0] for row in body["rows"]} == {acct}, body["rows"]
            assert str(acct) in body["sql"]
            seen.setdefault(acct, []).append(body["timings_ms"]["link"] > 0)
        assert seen == {a: [True, False, False], b: [True, False]}
        assert _memo(c) == (3, 2)


def test_plan_memo_forgets_plans_when_the_database_file_changes(
        tmp_path: Path, write_sql: Callable[[str, str], None]) -> None:
    path = tmp_path / "cs.sqlite"
    shutil.copy(SPIDER / "concert_singer" / "concert_singer.sqlite", path)
    path.chmod(0o644)
    url = f"sqlite:///{path}"
    q = {"question": "How many singers are there?"}
    with _app(url, tmp_path) as c:
        before = c.post("/v1/ask", json=q).json()
        assert c.post("/v1/ask", json=q).json()["rows"] == before["rows"]
        assert _memo(c) == (1, 1)
        time.sleep(0.01)  # a distinct mtime even on coarse clocks
        write_sql(url, "insert into singer (Singer_ID, Name) values (99, 'New Singer')")
        after = c.post("/v1/ask", json=q).json()
        assert _memo(c) == (1, 2) and after["timings_ms"]["link"] > 0
        assert after["cached"] is False and after["rows"][0][0] == before["rows"][0][0] + 1
    with _app(url, tmp_path, plan_memo_size=0) as c:  # off: never looked up
        c.post("/v1/ask", json=q)
        c.post("/v1/ask", json=q)
        assert _memo(c) == (0, 0)


def test_opening_the_database_does_not_count_against_the_first_deadline(
        demo: str, tmp_path: Path) -> None:
    """The first request opens (introspects) the database off the event loop; that takes
    longer than this deadline, which covers the question's own work only."""
    with _app(demo, tmp_path) as c:
        start = time.perf_counter()
        r = c.post("/v1/ask", json={"question": "每个行业有多少只股票？", "deadline_ms": 150})
        assert time.perf_counter() - start > 0.15 and r.status_code == 200, r.text


def test_answer_json_is_what_the_response_model_would_write(client: TestClient) -> None:
    """The routes write answers as JSON themselves: dates, decimals, intervals, bytes as the
    response model would."""
    r = client.post("/v1/sql", json={"sql": "SELECT trade_date, close, INTERVAL 90 MINUTE AS "
                                            "span, 'ab'::BLOB AS raw FROM daily_bar LIMIT 3"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json", r.text
    body = r.json()
    assert body == AskResponse.model_validate(body).model_dump(mode="json")
    date, close, span, raw = body["rows"][0]
    assert isinstance(close, float) and span == 5400.0 and raw == "YWI="
    assert dt.date.fromisoformat(date)


# -- API keys, roles, rate limits ---------------------------------------------------------

KEYS = {
    "analyst-secret": {"role": "analyst", "name": "alice"},
    "broadcast-secret": {"role": "broadcast", "rate_per_s": 0.5, "burst": 2},
    "sha256:" + hashlib.sha256(b"admin-secret").hexdigest(): {"role": "admin"},
}


@pytest.fixture(scope="module")
def keyed(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = load_settings(database=demo, data_dir=tmp_path_factory.mktemp("keyed"),
                             api_keys=KEYS)
    with TestClient(build_app(settings)) as c:
        yield c


@pytest.mark.parametrize(("headers", "status", "etype"), [
    ({}, 401, "unauthorized"),
    ({"X-API-Key": "wrong"}, 401, "unauthorized"),
    ({"Authorization": "Bearer wrong"}, 401, "unauthorized"),
    ({"Authorization": "Basic YW5hbHlzdC1zZWNyZXQ="}, 401, "unauthorized"),
    ({"X-API-Key": "analyst-secret"}, 200, None),
    ({"Authorization": "Bearer analyst-secret"}, 200, None),
    ({"Authorization": "Bearer admin-secret"}, 200, None),
    ({"X-API-Key": "broadcast-secret"}, 403, "forbidden"),
    ({"X-API-Key": "sha256:" + hashlib.sha256(b"admin-secret").hexdigest()}, 401,
     "unauthorized"),
])
def test_keys_and_roles_on_sql(keyed: TestClient, headers: dict, status: int,
                               etype: str | None) -> None:
    r = keyed.post("/v1/sql", json=COUNT, headers=headers)
    assert r.status_code == status, r.text
    if etype:
        assert set(r.json()) == {"error"} and r.json()["error"]["type"] == etype


def test_roles_per_endpoint(keyed: TestClient) -> None:
    analyst, admin = {"X-API-Key": "analyst-secret"}, {"X-API-Key": "admin-secret"}
    assert keyed.post("/v1/cache/clear", headers=analyst).status_code == 403
    assert keyed.post("/v1/cache/clear", headers=admin).status_code == 200
    assert keyed.get("/v1/databases", headers=analyst).status_code == 200
    assert keyed.get("/v1/databases").status_code == 401
    schemes = keyed.get("/openapi.json").json()["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"apiKey", "http"}
    # Probes and scrapes stay open.
    assert keyed.get("/healthz").status_code == 200 and keyed.get("/metrics").status_code == 200


def test_rate_limit_is_429_with_retry_after(keyed: TestClient) -> None:
    q = {"question": "How many securities are listed on each board?"}
    codes = [keyed.post("/v1/ask", json=q, headers={"X-API-Key": "broadcast-secret"})
             for _ in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    limited = codes[2]
    assert limited.json()["error"]["type"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    # Another key is not slowed down by this one.
    assert keyed.post("/v1/ask", json=q, headers={"X-API-Key": "analyst-secret"}).status_code \
        == 200


def test_token_bucket_refills() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=2, clock=lambda: now[0])
    assert [bucket.take(), bucket.take()] == [0.0, 0.0]
    assert bucket.take() == pytest.approx(0.5)
    now[0] = 0.5
    assert bucket.take() == 0.0


@pytest.mark.parametrize("keys", [
    {"k": {"role": "superuser"}},
    {"k": {"role": "analyst", "rate_per_s": -1}},
    {"k": {"role": "analyst", "colour": "blue"}},
    {"k": "analyst"},
    {"sha256:abc": {"role": "admin"}},
])
def test_bad_key_config_is_a_config_error(keys: dict) -> None:
    with pytest.raises(ConfigError, match="api_keys"):
        KeyRing(keys)


def test_open_mode_when_no_keys(client: TestClient) -> None:
    r = client.post("/v1/sql", json=COUNT)
    assert r.status_code == 200
    assert "securitySchemes" not in client.get("/openapi.json").json().get("components", {})


# -- metrics ------------------------------------------------------------------------------

def test_metrics_count_stages_tiers_rejections_and_errors(client: TestClient) -> None:
    rejected = 'nl2sql_sql_rejections_total{reason="not_read_only"}'
    before = _metric(client, rejected)
    client.post("/v1/ask", json={"question": "每个行业有多少只股票"})
    client.post("/v1/sql", json={"sql": "DELETE FROM securities"})
    client.post("/v1/ask", json={"question": "tell me a joke about the moon"})
    text = client.get("/metrics").text
    for stage in ("link", "generate", "guard", "execute", "answer", "total"):
        assert f'nl2sql_stage_seconds_count{{stage="{stage}"}}' in text
    assert 'nl2sql_answers_total{endpoint="ask",tier="parser"}' in text
    assert _metric(client, rejected) == before + 1
    assert 'nl2sql_errors_total{type="cannot_answer"}' in text
    assert 'nl2sql_http_requests_total{method="POST",route="/v1/sql",status="400"}' in text
    assert _metric(client, "nl2sql_requests_in_flight") == 1  # this scrape itself


# -- request ids, logs, envelopes ---------------------------------------------------------

def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    r = client.post("/v1/sql", json=COUNT, headers={"X-Request-ID": "trace-42"})
    assert r.headers["X-Request-ID"] == "trace-42"
    r = client.post("/v1/sql", json={"sql": "drop table securities"},
                    headers={"X-Request-ID": "bad id\twith tab"})
    made = r.headers["X-Request-ID"]
    assert made != "bad id\twith tab" and len(made) == 32
    assert r.json()["error"]["request_id"] == made


def test_access_log_is_one_json_object_with_the_request_id(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="nl2sql.access"):
        client.post("/v1/sql", json={"sql": "select nope from securities"},
                    headers={"X-Request-ID": "log-me"})
    record = next(r for r in caplog.records if r.name == "nl2sql.access")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "log-me" and line["status"] == 400
    assert line["error"] == "sql_rejected" and line["reason"] == "unknown_column"
    assert line["route"] == "/v1/sql" and line["ms"] > 0


def test_oversized_body_is_413_envelope(client: TestClient) -> None:
    big = json.dumps({"sql": "select 1 -- " + "x" * 1_100_000})
    r = client.post("/v1/sql", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["type"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"sql": "select 1 -- '
        for _ in range(20):
            yield b"x" * 100_000
        yield b'"}'

    r = client.post("/v1/sql", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["type"] == "payload_too_large"


def test_unknown_route_and_method_are_envelopes(client: TestClient) -> None:
    r = client.get("/v2/nothing")
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"
    r = client.get("/v1/sql")
    assert r.status_code == 405 and r.json()["error"]["type"] == "method_not_allowed"


def test_unexpected_error_is_500_without_details(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self, question, **kw):
        raise RuntimeError("secret internals /etc/shadow")

    monkeypatch.setattr(Gateway, "plan", broken)
    r = client.post("/v1/ask", json={"question": "how many securities, broken"},
                    headers={"X-Request-ID": "boom-1"})
    err = r.json()["error"]
    assert r.status_code == 500 and err["type"] == "internal_error" and err["incident"]
    assert err["request_id"] == "boom-1" and "secret" not in r.text and "Traceback" not in r.text
    assert _metric(client, 'nl2sql_errors_total{type="internal_error"}') >= 1


# -- graceful shutdown --------------------------------------------------------------------

def test_close_waits_for_requests_in_flight(demo: str, tmp_path: Path) -> None:
    gateways = Gateways(load_settings(database=demo, data_dir=tmp_path))
    entered, release, result = threading.Event(), threading.Event(), {}

    def request() -> None:
        with gateways.use(None) as (_, gateway):
            entered.set()
            release.wait(5)
            result["rows"] = gateway.run_sql("select count(*) from industry").rows

    worker = threading.Thread(target=request)
    worker.start()
    assert entered.wait(30)
    closer = threading.Thread(target=lambda: result.setdefault("cut", gateways.close(10)))
    closer.start()
    time.sleep(0.2)
    assert closer.is_alive()  # still waiting for the request
    with pytest.raises(BackendBusy, match="shutting down"), gateways.use(None):
        pass
    release.set()
    worker.join(10)
    closer.join(10)
    assert result["rows"][0][0] > 0 and result["cut"] == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sigterm_lets_the_running_query_finish(demo: str, tmp_path: Path) -> None:
    """A real `nl2sql serve`: SIGTERM mid-query, the query still answers, then clean exit."""
    port = _free_port()
    env = {**os.environ, "NL2SQL_DATABASE": demo, "NL2SQL_DATA_DIR": str(tmp_path),
           "NL2SQL_STATEMENT_TIMEOUT_MS": "60000", "NL2SQL_LOG_FORMAT": "json"}
    proc = subprocess.Popen([sys.executable, "-m", "nl2sql.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base)
        slow = {"sql": "select sum((a.x + b.x) % 7) as s "
                       "from range(1000000) a(x), range(1000) b(x)",
                "deadline_ms": 60000}
        reply: dict = {}
        worker = threading.Thread(target=lambda: reply.setdefault(
            "r", httpx.post(f"{base}/v1/sql", json=slow, timeout=60)))
        worker.start()
        _wait_in_flight(base, 2)  # the slow query and the scrape asking
        proc.send_signal(signal.SIGTERM)
        worker.join(60)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    r = reply["r"]
    assert r.status_code == 200, r.text
    assert r.json()["rows"][0][0] > 0
    # uvicorn re-raises the signal once it has shut down gracefully.
    assert proc.returncode in (0, -signal.SIGTERM), out
    assert "Finished server process" in out
    answered = next(i for i, line in enumerate(out.splitlines())
                    if '"route": "/v1/sql"' in line)
    assert out.splitlines().index("INFO:     Shutting down") < answered  # SIGTERM came first
    logs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    closed = [e for e in logs if e["msg"] == "gateways closed"]
    assert closed and closed[0]["cut_requests"] == 0
    assert any(e["msg"] == "request" and e.get("route") == "/v1/sql" and e["status"] == 200
               for e in logs)


def _wait_healthy(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("the server did not start")


def _wait_in_flight(base: str, n: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in httpx.get(f"{base}/metrics", timeout=5).text.splitlines():
            if line.startswith("nl2sql_requests_in_flight ") and float(line.split()[1]) >= n:
                return
        time.sleep(0.02)
    pytest.fail("the slow request never started")


# -- overload and recovery ----------------------------------------------------------------

SLOW_SQL = {"sql": "select sum((a.x + b.x) % 7) as s from range(1000000) a(x), range(400) b(x)",
            "deadline_ms": 60000}


def test_overload_is_refused_at_once_with_retry_after(demo: str, tmp_path: Path) -> None:
    """One slot, no queue: while a slow query holds the slot, the next request is a 503
    answered at once (the refusal itself takes about 0.1 ms); once the slot frees,
    requests are answered again."""
    with _app(demo, tmp_path, max_concurrency=1, max_queue=0, cache_size=0,
              statement_timeout_ms=60000) as c:
        assert c.post("/v1/sql", json=COUNT).status_code == 200  # opens the gateway
        slow: dict = {}
        worker = threading.Thread(target=lambda: slow.setdefault(
            "r", c.post("/v1/sql", json=SLOW_SQL)))
        worker.start()
        lane = c.app.state.gateways._lane("default")
        deadline = time.monotonic() + 10
        while lane.admission.busy == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        start = time.perf_counter()
        r = c.post("/v1/sql", json=COUNT)
        elapsed = time.perf_counter() - start
        gauges = (_metric(c, 'nl2sql_database_running{database="default"}'),
                  _metric(c, 'nl2sql_database_queued{database="default"}'))
        # Refused at the door, before the body is even read: an invalid one is a 503 too.
        invalid = c.post("/v1/sql", json={"sql": 5})
        worker.join(60)
        assert r.status_code == 503 and r.json()["error"]["type"] == "backend_busy", r.text
        assert int(r.headers["retry-after"]) >= 1 and elapsed < 1.0  # the slow query holds the slot for seconds
        assert r.json()["error"]["request_id"] == r.headers["x-request-id"]
        assert invalid.status_code == 503 and gauges == (1.0, 0.0)
        assert slow["r"].status_code == 200, slow["r"].text
        assert c.post("/v1/sql", json=COUNT).status_code == 200
        assert lane.admission.busy == 0 and lane.admission.queued == 0
        assert _metric(c, 'nl2sql_database_running{database="default"}') == 0.0
        assert _metric(c, 'nl2sql_http_requests_total{method="POST",route="/v1/sql",'
                          'status="503"}') == 2


def test_a_crowd_is_told_to_come_back_spread_over_seconds(demo: str, tmp_path: Path) -> None:
    """Refusals beyond retry_per_s in one second are told to come back a second later each,
    so a refused crowd does not return all at once."""
    with _app(demo, tmp_path, max_concurrency=1, max_queue=0, cache_size=0, retry_per_s=2,
              statement_timeout_ms=60000) as c:
        assert c.post("/v1/sql", json=COUNT).status_code == 200
        worker = threading.Thread(target=lambda: c.post("/v1/sql", json=SLOW_SQL))
        worker.start()
        lane = c.app.state.gateways._lane("default")
        deadline = time.monotonic() + 10
        while lane.admission.busy == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        waits = [int(c.post("/v1/sql", json=COUNT).headers["retry-after"]) for _ in range(6)]
        worker.join(60)
    # Each refusal takes a slot half a second after the one before, from now + 1 s.
    assert waits[:2] == [1, 1] and waits == sorted(waits) and waits[-1] >= 3, waits


def _restart_postgres() -> tuple[float, float]:
    """Restart the PostgreSQL server; returns when it went down and came back (monotonic)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    cmd = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    down = time.monotonic()
    try:
        subprocess.run([*cmd, "stop", "-m", "fast"], check=True, timeout=60)
        time.sleep(1.0)  # a real outage, not just a dropped connection
    finally:
        subprocess.run([*cmd, "start"], check=True, timeout=60)
    return down, time.monotonic()


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_restart_mid_run_recovers_and_loses_nothing(
        pg_url: str, write_sql: Callable[..., None], tmp_path: Path) -> None:
    """Clients keep asking while PostgreSQL restarts: every request gets an answer or an
    error envelope, errors only while the server is away, all answers again afterwards."""
    write_sql(pg_url, ["CREATE TABLE ops_restart (id INTEGER PRIMARY KEY, v TEXT)",
                       "INSERT INTO ops_restart VALUES (1, 'a'), (2, 'b')"])
    query = {"sql": "select count(*) from ops_restart"}
    log: list[tuple[float, int, str]] = []
    stop = threading.Event()
    with _app(pg_url, tmp_path, cache_size=0, max_concurrency=4) as c:
        assert c.post("/v1/sql", json=query).status_code == 200

        def client() -> None:
            while not stop.is_set():
                r = c.post("/v1/sql", json=query)
                etype = "" if r.status_code == 200 else r.json()["error"]["type"]
                log.append((time.monotonic(), r.status_code, etype))
                time.sleep(0.01)

        workers = [threading.Thread(target=client) for _ in range(4)]
        for w in workers:
            w.start()
        try:
            time.sleep(1.0)
            down, up = _restart_postgres()
            time.sleep(2.0)
        finally:
            stop.set()
            for w in workers:
                w.join(30)
    before = [s for t, s, _ in log if t < down]
    after = [s for t, s, _ in log if t > up + 1.0]
    errors = [(t, s, e) for t, s, e in log if s != 200]
    assert before and all(s == 200 for s in before)
    assert after and all(s == 200 for s in after), errors[-5:]
    assert all(down <= t <= up + 1.0 for t, _, _ in errors), errors
    assert {e for _, _, e in errors} <= {"execution_error", "backend_busy"}
