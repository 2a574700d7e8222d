"""Hostile inputs through the HTTP API on DuckDB, SQLite and PostgreSQL.

The corpus (fixtures/hostile_inputs.jsonl) holds prompt injections (zh/en), SQL smuggled
into questions, multi-statements, writes and DDL, comment and quoting tricks, unicode
homoglyphs, denied functions, catalog probes, resource bombs and oversized inputs. Each
entry says what must happen (`expect`):

    reject      a 4xx error envelope, never an answer
    safe        an answer (read-only SQL) or a 4xx error envelope
    bounded     like safe, or the statement timeout's 502/504 - within the timeout
    db_refuses  like safe, or 502 when the database refuses what the guard let through

On every backend: every response is one valid answer or one error envelope, nothing is
written (row counts and a hash of every row of every table, before and after), no file
the corpus names appears, and nothing answers 500.

Cross-tenant attempts (fixtures/tenant_attacks.sql) go through a key bound to one account
on DuckDB and PostgreSQL: no answer may hold a row of another account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from fastapi.testclient import TestClient

from nl2sql.demo import build_demo
from nl2sql.guard.policy import QUERY_ROOTS, WRITE_NODES
from nl2sql.service import build_app
from nl2sql.service.protocol import AskResponse, ErrorResponse
from nl2sql.settings import load_settings
from tests.paths import BENCH

CORPUS = Path(__file__).parent / "fixtures" / "hostile_inputs.jsonl"
ENTRIES: list[dict[str, Any]] = [
    json.loads(line) for line in CORPUS.read_text(encoding="utf-8").split("\n") if line.strip()]
EXPECTATIONS = {"reject", "safe", "bounded", "db_refuses"}
TIMEOUT_MS = 300
SPIDER_DB = BENCH / "spider" / "database" / "concert_singer" / "concert_singer.sqlite"
# What {t}, {c} (a text column of t) and {t2} stand for in each database.
PLACES = {
    "duckdb": {"t": "securities", "c": "name", "t2": "daily_bar"},
    "postgres": {"t": "securities", "c": "name", "t2": "daily_bar"},
    "sqlite": {"t": "singer", "c": "Name", "t2": "concert"},
}
# Files the corpus tries to create; none may exist afterwards that did not before.
PLANTED = ("/tmp/pwned", "/tmp/leak.csv", "/tmp/evil.db", "/tmp/evil.duckdb", "/tmp/export",
           "/tmp/copy.db", "/tmp/x.db", "/tmp/x")
_STATUS = {"invalid_request": 400, "sql_rejected": 400, "cannot_answer": 422,
           "needs_clarification": 409, "payload_too_large": 413, "execution_error": 502,
           "deadline_exceeded": 504, "query_timeout": 504}


def test_corpus_shape() -> None:
    ids = [e["id"] for e in ENTRIES]
    assert len(ENTRIES) >= 200 and len(set(ids)) == len(ids)
    by_category = Counter(e["category"] for e in ENTRIES)
    assert len(by_category) >= 10 and min(by_category.values()) >= 10, by_category
    for e in ENTRIES:
        assert e["expect"] in EXPECTATIONS and e["endpoint"] in {"ask", "sql", "body"}, e
        assert set(e.get("only", PLACES)) <= set(PLACES), e


# -- the three databases --------------------------------------------------------------------

@pytest.fixture(scope="module")
def duckdb_target(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("security") / "trading.duckdb"
    build_demo(path, scale=0.02)
    return f"duckdb:///{path}"


@pytest.fixture(scope="module")
def sqlite_target(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("security") / "concert_singer.sqlite"
    shutil.copy(SPIDER_DB, path)
    path.chmod(0o644)  # writable on disk: only the gateway's own read-only opening protects it
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def postgres_target(new_pg_database: Callable[[str], str]) -> str:
    url = new_pg_database("security")
    build_demo(url, scale=0.02)
    return url


def _digest(rows: list[tuple]) -> tuple[int, str]:
    h = hashlib.sha256()
    for line in sorted(repr(r) for r in rows):
        h.update(line.encode())
    return len(rows), h.hexdigest()


def _checksums_duckdb(url: str) -> dict[str, Any]:
    import duckdb

    with duckdb.connect(url.split(":///", 1)[1], read_only=True) as con:
        objects = con.execute("SELECT table_schema, table_name, table_type FROM "
                              "information_schema.tables ORDER BY 1, 2").fetchall()
        sums = {f"{s}.{t}": _digest(con.execute(f'SELECT * FROM "{s}"."{t}"').fetchall())
                for s, t, _ in objects}
    return {"objects": objects, "rows": sums}


def _checksums_sqlite(url: str) -> dict[str, Any]:
    path = url.split(":///", 1)[1]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        objects = con.execute("SELECT type, name, sql FROM sqlite_master ORDER BY 1, 2").fetchall()
        sums = {n: _digest(con.execute(f'SELECT * FROM "{n}"').fetchall())
                for kind, n, _ in objects if kind == "table"}
    return {"objects": objects, "rows": sums}


def _checksums_postgres(url: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(url) as con:
        objects = con.execute(
            "SELECT table_schema, table_name, table_type FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        sums = {f"{s}.{t}": _digest(con.execute(f'SELECT * FROM "{s}"."{t}"').fetchall())
                for s, t, _ in objects}
        roles = con.execute("SELECT rolname, rolsuper FROM pg_roles ORDER BY 1").fetchall()
    return {"objects": objects, "rows": sums, "roles": roles}


CHECKSUMS = {"duckdb": _checksums_duckdb, "sqlite": _checksums_sqlite,
             "postgres": _checksums_postgres}


# -- running the corpus ---------------------------------------------------------------------

def _text(entry: dict[str, Any], kind: str) -> str:
    text = entry["text"]
    if "times" in entry:
        text = (text.replace("{rep2}", entry.get("unit2", "") * entry["times"])
                .replace("{rep}", entry["unit"] * entry["times"]))
    for name, value in PLACES[kind].items():
        text = text.replace("{" + name + "}", value)
    return text


def _send(client: TestClient, entry: dict[str, Any], text: str, rid: str):
    headers = {"X-Request-ID": rid}
    if entry["endpoint"] == "body":
        headers["content-type"] = "application/json"
        return client.post("/v1/ask", content=text.encode(), headers=headers)
    field = "question" if entry["endpoint"] == "ask" else "sql"
    return client.post(f"/v1/{entry['endpoint']}", json={field: text}, headers=headers)


def _read_only(sql: str, dialect: str) -> str | None:
    """Why an answered SQL is not one read-only query, or None."""
    statements = sqlglot.parse(sql, read=dialect)
    if len(statements) != 1 or not isinstance(statements[0], QUERY_ROOTS):
        return f"answered SQL is not one query: {sql[:120]!r}"
    writes = [n.key for n in statements[0].walk() if isinstance(n, WRITE_NODES)]
    return f"answered SQL writes ({writes}): {sql[:120]!r}" if writes else None


def _verdict(entry: dict[str, Any], r: Any, rid: str, seconds: float) -> str | None:
    """What is wrong with this response to this entry, or None."""
    try:
        body = r.json()
    except ValueError:
        return f"{r.status_code} not JSON: {r.text[:120]!r}"
    expect, status = entry["expect"], r.status_code
    if status == 200:
        if expect == "reject":
            return f"answered instead of rejected: {body.get('sql', '')[:120]!r}"
        answer = AskResponse.model_validate(body)
        problem = _read_only(answer.sql, answer.dialect)
    else:
        problem = _envelope_problem(body, status, rid, expect)
    limit = TIMEOUT_MS / 1000 + 3 if expect == "bounded" else 5.0
    if problem is None and seconds > limit:
        problem = f"took {seconds:.1f} s (limit {limit:.1f} s)"
    return problem


def _envelope_problem(body: dict[str, Any], status: int, rid: str, expect: str) -> str | None:
    if set(body) != {"error"}:
        return f"{status} is not one error envelope: {str(body)[:120]}"
    err = ErrorResponse.model_validate(body).error
    if err.request_id != rid:
        return f"envelope request_id {err.request_id!r} != {rid!r}"
    if _STATUS.get(err.type, status) != status:
        return f"{err.type} came with status {status}"
    allowed_5xx = {"bounded": {"query_timeout", "deadline_exceeded"},
                   "db_refuses": {"execution_error"}}.get(expect, set())
    if status >= 500 and err.type not in allowed_5xx:
        return f"{status} {err.type}: {err.message[:120]}"
    return None


def _existing(paths: tuple[str, ...]) -> set[str]:
    return {p for p in paths if Path(p).exists()}


@pytest.mark.parametrize("kind", [
    "duckdb", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_hostile_corpus_changes_nothing(kind: str, request: pytest.FixtureRequest,
                                        tmp_path: Path) -> None:
    url = request.getfixturevalue(f"{kind}_target")
    entries = [e for e in ENTRIES if kind in e.get("only", PLACES)]
    before, files_before = CHECKSUMS[kind](url), _existing(PLANTED)
    settings = load_settings(database=url, data_dir=tmp_path, statement_timeout_ms=TIMEOUT_MS)
    failures, outcomes = [], Counter()
    with TestClient(build_app(settings)) as client:
        for entry in entries:
            rid = f"sec-{entry['id']}"
            start = time.perf_counter()
            r = _send(client, entry, _text(entry, kind), rid)
            problem = _verdict(entry, r, rid, time.perf_counter() - start)
            outcomes[r.status_code] += 1
            if problem:
                failures.append(f"{entry['id']}: {problem}")
    assert not failures, f"{len(failures)} of {len(entries)} on {kind}:\n" + "\n".join(failures)
    assert outcomes[500] == 0 and sum(outcomes.values()) == len(entries)
    assert CHECKSUMS[kind](url) == before, "a table or its rows changed"
    assert _existing(PLANTED) == files_before, "the corpus created a file"


def test_checksums_see_one_changed_value(tmp_path: Path,
                                         write_sql: Callable[[str, str], None]) -> None:
    """The zero-writes assertion would catch even a single updated cell."""
    path = tmp_path / "cs.sqlite"
    shutil.copy(SPIDER_DB, path)
    path.chmod(0o644)
    url = f"sqlite:///{path}"
    before = _checksums_sqlite(url)
    write_sql(url, "UPDATE singer SET Age = Age + 1 WHERE Singer_ID = 1")
    after = _checksums_sqlite(url)
    assert after["objects"] == before["objects"]
    assert after["rows"]["singer"][0] == before["rows"]["singer"][0]  # same row count
    assert after["rows"]["singer"] != before["rows"]["singer"]


# -- cross-tenant attempts -----------------------------------------------------------------

TENANT_CASES = Path(__file__).parent / "fixtures" / "tenant_attacks.sql"
TENANT_KEY = "customer-key"
SHARED = ["securities", "industry", "daily_bar", "trade_calendar", "index_info",
          "index_member", "index_daily", "fund_info", "fund_nav"]
SCHEMAS = {"duckdb": "main", "postgres": "public"}


def _tenant_cases() -> list[dict[str, str]]:
    cases = []
    for block in TENANT_CASES.read_text(encoding="utf-8").split("\n\n"):
        head = [ln[2:] for ln in block.splitlines() if ln.startswith("# ")]
        sql = " ".join(ln for ln in block.splitlines() if not ln.startswith("#")).strip()
        if not sql:
            continue
        case = {"sql": sql, "only": "", "expect": ""}
        for line in head:
            key, _, value = line.partition(":")
            if key == "only":
                case["only"] = value.strip()
            else:
                case["expect"], case["arg"] = key.strip(), value.strip()
        cases.append(case)
    return cases


def _direct(kind: str, url: str, sql: str) -> list[tuple]:
    """Rows of `sql` on a plain read connection, bypassing the gateway."""
    if kind == "duckdb":
        import duckdb

        with duckdb.connect(url.split(":///", 1)[1], read_only=True) as con:
            return con.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(url) as con:
        return con.execute(sql).fetchall()


def _tenant_verdict(case: dict[str, str], r: Any, tenant: int, want: list[tuple] | None
                    ) -> str | None:
    body = r.json()
    if case["expect"] == "reject":
        reason = body.get("error", {}).get("reason")
        return None if r.status_code == 400 and reason == case["arg"] else \
            f"{r.status_code} {str(body)[:160]} instead of rejected ({case['arg']})"
    if r.status_code != 200:
        return f"{r.status_code}: {str(body)[:200]}"
    rows = [tuple(row) for row in body["rows"]]
    if want is not None:
        ok = sorted(map(repr, rows)) == sorted(repr(tuple(_plain(v) for v in w)) for w in want)
        return None if ok else f"rows {rows[:3]} != direct {want[:3]}"
    foreign = {v for row in rows for v in row if v is not None and v != tenant}
    if foreign:
        return f"leaked {sorted(foreign, key=repr)[:5]} in {body['sql']}"
    return None if rows or case["expect"] == "own, may be empty" else "no rows"


def _plain(v: Any) -> Any:
    """A database value as it comes back in JSON."""
    if isinstance(v, Decimal):
        return float(v)
    return v.isoformat() if isinstance(v, dt.date | dt.time) else v


@pytest.mark.parametrize("kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_tenant_key_reads_only_its_own_rows(kind: str, request: pytest.FixtureRequest,
                                            tmp_path: Path) -> None:
    url = request.getfixturevalue(f"{kind}_target")
    tenant, other = (r[0] for r in _direct(kind, url, (
        "SELECT account_id FROM account a WHERE EXISTS (SELECT 1 FROM orders o WHERE "
        "o.account_id = a.account_id) AND EXISTS (SELECT 1 FROM position p WHERE "
        "p.account_id = a.account_id) ORDER BY account_id LIMIT 2")))
    cases = [c for c in _tenant_cases() if c["only"] in ("", kind)]
    fill = {"{tenant}": str(tenant), "{other}": str(other), "{schema}": SCHEMAS[kind]}

    def filled(sql: str) -> str:
        for k, v in fill.items():
            sql = sql.replace(k, v)
        return sql

    wanted = {i: _direct(kind, url, filled(c["arg"]))
              for i, c in enumerate(cases) if c["expect"] == "same"}
    keys = {TENANT_KEY: {"role": "analyst", "name": "one-customer", "tenant": {
        "column": "account_id", "value": tenant, "shared": SHARED}}}
    settings = load_settings(database=url, data_dir=tmp_path, api_keys=keys)
    failures = []
    with TestClient(build_app(settings)) as client:
        for i, case in enumerate(cases):
            r = client.post("/v1/sql", json={"sql": filled(case["sql"])},
                            headers={"X-API-Key": TENANT_KEY})
            problem = _tenant_verdict(case, r, tenant, wanted.get(i))
            if problem:
                failures.append(f"{case['sql'][:90]}: {problem}")
    assert len(cases) >= 50
    assert not failures, f"{len(failures)} of {len(cases)} on {kind}:\n" + "\n".join(failures)
