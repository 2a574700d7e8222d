"""The HTTP service end to end, on the same demo data in DuckDB and in PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nl2sql.demo import AS_OF_DATE, build_demo
from nl2sql.service import build_app
from nl2sql.settings import load_settings

SCALE = 0.02
# Questions whose answers both stores must agree on (deterministic SQL, no ties).
QUESTIONS = (
    "贵州茅台最新收盘价是多少",
    "每个行业有多少只股票",
    "How many securities are listed on each board?",
    "What is the latest close price of 宁德时代?",
)


@pytest.fixture(scope="module")
def duckdb_demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("service") / "trading.duckdb"
    build_demo(path, scale=SCALE)
    return f"duckdb:///{path}"


@pytest.fixture(scope="module")
def postgres_demo(new_pg_database: Callable[[str], str]) -> str:
    url = new_pg_database("service")
    build_demo(url, scale=SCALE)
    return url


@pytest.fixture(scope="module")
def client(duckdb_demo: str, postgres_demo: str, tmp_path_factory) -> Iterator[TestClient]:
    settings = load_settings(database=duckdb_demo, databases={"pg": postgres_demo},
                             data_dir=tmp_path_factory.mktemp("data"), as_of=AS_OF_DATE)
    with TestClient(build_app(settings)) as c:
        yield c


def _ask(client: TestClient, question: str, database: str | None = None, **extra) -> dict:
    r = client.post("/v1/ask", json={"question": question, "database": database, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def _rows(body: dict) -> Counter:
    return Counter(tuple(round(v, 4) if isinstance(v, float) else v for v in row)
                   for row in body["rows"])


@pytest.mark.postgres
@pytest.mark.parametrize("question", QUESTIONS)
def test_same_answer_on_duckdb_and_postgres(client: TestClient, question: str) -> None:
    duck = _ask(client, question)
    pg = _ask(client, question, "pg")
    assert (duck["dialect"], pg["dialect"]) == ("duckdb", "postgres")
    assert duck["rows"], duck
    assert _rows(duck) == _rows(pg)
    assert duck["answer_text"] == pg["answer_text"]


def test_ask_response_shape(client: TestClient) -> None:
    body = _ask(client, "贵州茅台最新收盘价是多少", deadline_ms=5000)
    assert body["tier"] == "parser" and body["database"] == "default"
    assert body["columns"] == ["close"] and len(body["rows"]) == 1
    assert body["truncated"] is False
    assert str(body["rows"][0][0]).rstrip("0").rstrip(".") in body["answer_text"]
    assert {"link", "generate", "guard", "execute", "answer", "total"} <= set(body["timings_ms"])
    assert any("贵州茅台" in e for e in body["evidence"])


def test_sql_endpoint_runs_guarded_sql(client: TestClient) -> None:
    r = client.post("/v1/sql", json={"sql": "select count(*) as n from securities"})
    assert r.status_code == 200, r.text
    assert r.json()["rows"][0][0] > 100 and r.json()["tier"] == "user"


def test_truncated_flag(duckdb_demo: str, tmp_path: Path) -> None:
    settings = load_settings(database=duckdb_demo, max_rows=3, data_dir=tmp_path)
    with TestClient(build_app(settings)) as c:
        r = c.post("/v1/sql", json={"sql": "select ts_code from securities"})
    assert r.status_code == 200 and r.json()["truncated"] is True and len(r.json()["rows"]) == 3


@pytest.mark.parametrize(("payload", "status", "etype"), [
    ({"sql": "DROP TABLE securities"}, 400, "sql_rejected"),
    ({"sql": "select 1; delete from securities"}, 400, "sql_rejected"),
    ({"sql": "select nope from securities"}, 400, "sql_rejected"),
    ({"sql": "select pg_sleep(10)", "database": "pg"}, 400, "sql_rejected"),
    ({"sql": "select"}, 400, "sql_rejected"),
    ({"sql": ""}, 400, "invalid_request"),
])
def test_sql_errors_are_one_envelope(client: TestClient, payload: dict, status: int,
                                     etype: str) -> None:
    r = client.post("/v1/sql", json=payload)
    assert r.status_code == status, r.text
    assert r.json()["error"]["type"] == etype and r.json()["error"]["message"]
    # Nothing was written: the table is still there with its rows.
    assert client.post("/v1/sql", json={"sql": "select count(*) from securities"}) \
        .json()["rows"][0][0] > 0


def test_unknown_column_error_suggests(client: TestClient) -> None:
    r = client.post("/v1/sql", json={"sql": "select closing from daily_bar"})
    err = r.json()["error"]
    assert r.status_code == 400 and err["reason"] == "unknown_column"
    assert "daily_bar.close" in err["suggestions"]


@pytest.mark.parametrize(("payload", "status", "etype"), [
    ({"question": ""}, 400, "invalid_request"),
    ({}, 400, "invalid_request"),
    ({"question": "x" * 3000}, 400, "invalid_request"),
    ({"question": "how many securities", "database": "nope"}, 400, "invalid_request"),
    ({"question": "how many securities", "deadline_ms": 0}, 400, "invalid_request"),
    ({"question": "tell me a joke about the moon"}, 422, "cannot_answer"),
])
def test_ask_errors_are_one_envelope(client: TestClient, payload: dict, status: int,
                                     etype: str) -> None:
    r = client.post("/v1/ask", json=payload)
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"} and r.json()["error"]["type"] == etype


def test_malformed_json_is_400(client: TestClient) -> None:
    r = client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request"


def test_health_docs_and_databases(client: TestClient, postgres_demo: str) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/ask", "/v1/sql", "/healthz"} <= set(paths)
    dbs = client.get("/v1/databases").json()["databases"]
    assert set(dbs) == {"default", "pg"}


def test_real_server_over_http(duckdb_demo: str, tmp_path: Path) -> None:
    """`nl2sql serve` as a user starts it: a real uvicorn process answering on a port."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "NL2SQL_DATABASE": duckdb_demo, "NL2SQL_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "nl2sql.cli", "serve", "--port", str(port)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        r = httpx.post(f"http://127.0.0.1:{port}/v1/ask", timeout=30,
                       json={"question": "How many securities are listed on each board?"})
        assert r.status_code == 200, r.text
        assert len(r.json()["rows"]) == 3
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_speech_noise_links_to_the_same_security(client: TestClient) -> None:
    clean = _ask(client, "贵州茅台最新收盘价是多少")
    for noisy in ("贵州毛台最新收盘价是多少", "GZMT最新收盘价是多少", "SH600519最新收盘价是多少"):
        assert _ask(client, noisy)["rows"] == clean["rows"], noisy


def test_competing_entities_ask_back(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"question": "平安最新收盘价是多少"})
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["type"] == "needs_clarification"
    assert {"中国平安", "平安银行"} <= set(err["options"])


def test_trading_calendar_times_and_spoken_numbers(client: TestClient) -> None:
    # The demo's data ends on Tuesday 2026-11-24: the previous trading day is Monday.
    body = _ask(client, "贵州茅台上个交易日的收盘价")
    assert "2026-11-23" in body["sql"] and len(body["rows"]) == 1
    top = _ask(client, "最新交易日成交额最高的前十只股票")
    assert len(top["rows"]) == 10 and "LIMIT 10" in top["sql"]
