"""The backend contract, run the same way on DuckDB, SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path

import pytest

from nl2sql.backends import open_backend
from nl2sql.backends._limits import LimitedBackend, file_path
from nl2sql.backends.admission import Admission
from nl2sql.errors import BackendBusy, ConfigError, ExecutionError, InputError

ROWS = [(1, "alpha"), (2, "beta"), (3, "gamma"), (4, "delta"), (5, "epsilon")]

SETUP = [
    "CREATE TABLE backend_items (id INTEGER PRIMARY KEY, name VARCHAR(20))",
    "INSERT INTO backend_items VALUES " + ", ".join(f"({i}, '{n}')" for i, n in ROWS),
]

# A cheap statement per dialect that runs for seconds unless interrupted.
SLOW = {
    "duckdb": "SELECT sum(a.range * b.range) FROM range(100000) a, range(100000) b",
    "sqlite": "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r "
              "WHERE i < 1000000000) SELECT count(*) FROM r",
    "postgres": "SELECT pg_sleep(5)",
    "mysql": "SELECT SLEEP(5)",
}

# A statement that tries to switch the session back to read-write.
UNLOCK = {
    "duckdb": "SET enable_external_access = true",
    "sqlite": "PRAGMA query_only = 0",
    "postgres": "SET default_transaction_read_only = off",
    "mysql": "SET SESSION TRANSACTION READ WRITE",
}

WRITES = [
    "INSERT INTO backend_items VALUES (99, 'zeta')",
    "UPDATE backend_items SET name = 'changed'",
    "DELETE FROM backend_items",
    "CREATE TABLE backend_new (a INTEGER)",
    "DROP TABLE backend_items",
]

KINDS = [
    "duckdb",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mysql", marks=pytest.mark.mysql),
]


@pytest.fixture(scope="module", params=KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           write_sql: Callable[..., None]) -> str:
    """A database holding `backend_items`, one per backend kind."""
    kind = request.param
    if kind in ("duckdb", "sqlite"):
        url = f"{kind}:///{tmp_path_factory.mktemp(kind) / ('items.' + kind)}"
    else:
        url = request.getfixturevalue("pg_url" if kind == "postgres" else "mysql_url")
    write_sql(url, SETUP)
    return url


@pytest.fixture
def backend(db_url: str) -> Iterator[LimitedBackend]:
    b = open_backend(db_url, max_rows=3, statement_timeout_ms=5000)
    yield b
    b.close()


def count(backend: LimitedBackend) -> int:
    return backend.run("SELECT count(*) FROM backend_items").rows[0][0]


def test_select_returns_rows_and_column_names(backend: LimitedBackend) -> None:
    result = backend.run("SELECT id, name FROM backend_items ORDER BY id", max_rows=10)
    assert result.columns == ("id", "name")
    assert [tuple(r) for r in result.rows] == ROWS
    assert not result.truncated
    assert result.elapsed_ms > 0


def test_empty_result_keeps_column_names(backend: LimitedBackend) -> None:
    result = backend.run("SELECT id AS ident, name FROM backend_items WHERE id < 0")
    assert result.columns == ("ident", "name")
    assert result.rows == [] and not result.truncated


def test_row_cap_sets_truncated(backend: LimitedBackend) -> None:
    capped = backend.run("SELECT id FROM backend_items ORDER BY id", max_rows=2)
    assert [r[0] for r in capped.rows] == [1, 2] and capped.truncated
    exact = backend.run("SELECT id FROM backend_items", max_rows=5)
    assert len(exact.rows) == 5 and not exact.truncated
    default = backend.run("SELECT id FROM backend_items")  # the constructor's max_rows=3
    assert len(default.rows) == 3 and default.truncated


@pytest.mark.parametrize("write", WRITES)
def test_writes_are_refused_by_the_connection(backend: LimitedBackend, write: str) -> None:
    with pytest.raises(ExecutionError) as info:
        backend.run(write)
    assert re.search(r"read.?only", info.value.message, re.IGNORECASE), info.value.message
    assert count(backend) == 5
    assert backend.run("SELECT name FROM backend_items WHERE id = 1").rows[0][0] == "alpha"
    with pytest.raises(ExecutionError):
        backend.run("SELECT * FROM backend_new")


def test_session_cannot_be_switched_to_read_write(db_url: str) -> None:
    with open_backend(db_url, max_concurrency=1) as b:  # one connection, reused
        with suppress(ExecutionError):  # refused outright is fine too
            b.run(UNLOCK[b.dialect])
        with pytest.raises(ExecutionError):
            b.run("INSERT INTO backend_items VALUES (98, 'eta')")
        assert count(b) == 5


def test_long_query_times_out(backend: LimitedBackend) -> None:
    start = time.monotonic()
    with pytest.raises(ExecutionError, match="timed out after 300 ms") as info:
        backend.run(SLOW[backend.dialect], timeout_ms=300)
    assert time.monotonic() - start < 3
    assert info.value.details["timeout_ms"] == 300
    assert count(backend) == 5  # the backend is still usable


@pytest.mark.parametrize("sql", ["SELEC 1", "SELECT no_such_column FROM backend_items",
                                 "SELECT * FROM no_such_table"])
def test_bad_sql_is_an_execution_error(backend: LimitedBackend, sql: str) -> None:
    with pytest.raises(ExecutionError) as info:
        backend.run(sql)
    message = info.value.message
    assert message and "Traceback" not in message
    assert "timed out" not in message
    assert count(backend) == 5


def test_busy_when_all_slots_are_taken(db_url: str) -> None:
    with open_backend(db_url, max_concurrency=1, queue_timeout_ms=50) as b:
        errors: list[Exception] = []

        def slow() -> None:
            try:
                b.run(SLOW[b.dialect], timeout_ms=1000)
            except ExecutionError as e:
                errors.append(e)

        worker = threading.Thread(target=slow)
        worker.start()
        time.sleep(0.3)
        with pytest.raises(BackendBusy) as info:
            b.run("SELECT 1")
        assert info.value.retry_after_s > 0
        worker.join()
        assert errors and "timed out" in str(errors[0])
        assert b.run("SELECT 1").rows[0][0] == 1  # the slot is free again


def test_many_threads_share_one_backend(db_url: str) -> None:
    with open_backend(db_url, max_concurrency=4, queue_timeout_ms=30_000) as b:

        def ask(i: int) -> object:
            return b.run(f"SELECT name FROM backend_items WHERE id = {i % 5 + 1}").rows[0][0]

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(ask, range(200)))
    assert answers == [ROWS[i % 5][1] for i in range(200)]


def test_closed_backend_refuses_queries(db_url: str) -> None:
    b = open_backend(db_url)
    b.close()
    with pytest.raises(ExecutionError, match="closed"):
        b.run("SELECT 1")


def test_bad_arguments_are_input_errors(backend: LimitedBackend) -> None:
    with pytest.raises(InputError):
        backend.run("   ;  ")
    with pytest.raises(InputError):
        backend.run("SELECT 1", max_rows=-1)
    with pytest.raises(ConfigError):
        open_backend(backend.url, max_concurrency=0)


@pytest.mark.parametrize("scheme", ["duckdb", "sqlite"])
def test_missing_file_is_not_created(tmp_path: Path, scheme: str) -> None:
    missing = tmp_path / "nope" / f"missing.{scheme}"
    with pytest.raises(ConfigError, match="not found"):
        open_backend(f"{scheme}:///{missing}")
    with pytest.raises(ConfigError):
        open_backend(f"{scheme}:///{tmp_path / 'missing.db'}")
    assert not missing.exists() and not (tmp_path / "missing.db").exists()
    assert os.listdir(tmp_path) == []


def test_file_urls_accept_both_slash_forms(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    db.touch()
    assert file_path(f"sqlite:///{db}") == db  # sqlite:////abs (SQLAlchemy) form
    assert file_path(f"sqlite://{db}") == db  # sqlite:///abs form
    assert file_path("sqlite:///" + str(db).replace("a.db", "%61.db")) == db


@pytest.mark.parametrize("suffix", [".duckdb", ".sqlite", ".db"])
def test_bare_path_opens_by_suffix(tmp_path: Path, suffix: str,
                                   write_sql: Callable[..., None]) -> None:
    path = tmp_path / f"bare{suffix}"
    kind = "duckdb" if suffix == ".duckdb" else "sqlite"
    write_sql(f"{kind}:///{path}", SETUP)
    with open_backend(str(path)) as b:
        assert b.dialect == kind and count(b) == 5


@pytest.mark.postgres
def test_postgres_unreachable_names_redacted_url() -> None:
    with pytest.raises(ExecutionError) as info:
        open_backend("postgresql://postgres:secret@127.0.0.1:1/nl2sql")
    assert "postgres:***@127.0.0.1:1" in info.value.message
    assert "secret" not in info.value.message


@pytest.mark.postgres
def test_postgres_unknown_database_is_clear(pg_url: str) -> None:
    with pytest.raises(ExecutionError, match="does not exist"):
        open_backend(pg_url.rsplit("/", 1)[0] + "/nl2sql_no_such_db")


@pytest.mark.postgres
def test_postgres_error_position_points_into_callers_sql(pg_url: str) -> None:
    with open_backend(pg_url) as b, pytest.raises(ExecutionError) as info:
        b.run("SELECT idd FROM backend_items")
    assert info.value.details["position"] == 8
    assert info.value.details["code"] == "42703"


@pytest.mark.mysql
def test_mysql_unreachable_names_redacted_url() -> None:
    with pytest.raises(ExecutionError) as info:
        open_backend("mysql://root:secret@127.0.0.1:1/test")
    assert "root:***@127.0.0.1:1" in info.value.message
    assert "secret" not in info.value.message


@pytest.mark.mysql
def test_mysql_url_aliases(mysql_url: str) -> None:
    for scheme in ("mariadb", "mysql+pymysql"):
        with open_backend(scheme + mysql_url[len("mysql"):]) as b:
            assert b.dialect == "mysql" and count(b) == 5


@pytest.mark.postgres
def test_postgres_url_aliases(pg_url: str) -> None:
    for scheme in ("postgres", "postgresql+psycopg"):
        with open_backend(scheme + pg_url[len("postgresql"):]) as b:
            assert b.dialect == "postgres" and count(b) == 5


# The connection id of the session running the query, and how an admin kills that session.
SERVER_SESSION = {
    "postgres": ("SELECT pg_backend_pid()", "SELECT pg_terminate_backend({})"),
    "mysql": ("SELECT CONNECTION_ID()", "KILL {}"),
}


@pytest.mark.parametrize("kind", [pytest.param("postgres", marks=pytest.mark.postgres),
                                  pytest.param("mysql", marks=pytest.mark.mysql)])
def test_survives_a_server_side_disconnect(kind: str, request: pytest.FixtureRequest,
                                           write_sql: Callable[..., None]) -> None:
    url = request.getfixturevalue("pg_url" if kind == "postgres" else "mysql_url")
    who, kill = SERVER_SESSION[kind]
    with open_backend(url, max_concurrency=1) as b:
        first = b.run(who).rows[0][0]
        write_sql(url, kill.format(int(first)))
        time.sleep(0.1)
        second = b.run(who).rows[0][0]  # retried once on a fresh connection
    assert second != first


def test_duckdb_cannot_touch_other_files(tmp_path: Path, write_sql: Callable[..., None]) -> None:
    url = f"duckdb:///{tmp_path / 'items.duckdb'}"
    write_sql(url, SETUP)
    out = tmp_path / "out.csv"
    with open_backend(url) as b:
        for sql in (f"COPY backend_items TO '{out}'", "SELECT * FROM read_csv('/etc/passwd')",
                    f"ATTACH '{tmp_path / 'new.duckdb'}' AS n"):
            with pytest.raises(ExecutionError):
                b.run(sql)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["items.duckdb"]


def test_sqlite_cannot_attach_other_files(tmp_path: Path, write_sql: Callable[..., None]) -> None:
    url = f"sqlite:///{tmp_path / 'items.db'}"
    write_sql(url, SETUP)
    with open_backend(url) as b, pytest.raises(ExecutionError, match="attached"):
        b.run(f"ATTACH '{tmp_path / 'new.db'}' AS n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["items.db"]


def test_byte_cap_sets_truncated(db_url: str) -> None:
    # Each row is about 8 + len(name) + 2 bytes: 90 bytes hold the first few rows only.
    with open_backend(db_url, max_result_bytes=50) as b:
        result = b.run("SELECT id, name FROM backend_items ORDER BY id", max_rows=10)
    assert 0 < len(result.rows) < len(ROWS) and result.truncated
    assert [tuple(r) for r in result.rows] == ROWS[:len(result.rows)]


# -- admission: a concurrency limit, a bounded queue and deadlines -------------------------

def _admission(running: int = 1, waiting: int = 1, wait_ms: int = 2000) -> Admission:
    return Admission(running, waiting, wait_ms, "test db")


def test_admission_hands_slots_over_in_arrival_order() -> None:
    async def scenario() -> list[int]:
        gate, order = _admission(running=1, waiting=5), []
        first = await gate.acquire(1000)

        async def waiter(n: int) -> None:
            started = await gate.acquire(1000)
            order.append(n)
            gate.release(started)

        tasks = [asyncio.create_task(waiter(n)) for n in range(3)]
        await asyncio.sleep(0.01)
        assert gate.queued == 3 and gate.busy == 1
        gate.release(first)
        await asyncio.gather(*tasks)
        assert gate.busy == 0 and gate.queued == 0
        return order

    assert asyncio.run(scenario()) == [0, 1, 2]


def test_full_queue_is_refused_at_once_with_retry_after() -> None:
    async def scenario() -> None:
        gate = _admission(running=1, waiting=1)
        await gate.acquire(1000)
        queued = asyncio.create_task(gate.acquire(1000))
        await asyncio.sleep(0.01)
        start = time.perf_counter()
        with pytest.raises(BackendBusy) as info:
            await gate.acquire(1000)
        assert time.perf_counter() - start < 0.25  # not the 1 s it may wait
        assert info.value.retry_after_s >= 1 and "at capacity" in info.value.message
        queued.cancel()

    asyncio.run(scenario())


def test_wait_is_bounded_by_the_deadline_and_leaks_no_slot() -> None:
    async def scenario() -> None:
        gate = _admission(running=1, waiting=4, wait_ms=2000)
        held = await gate.acquire(1000)
        start = time.perf_counter()
        with pytest.raises(BackendBusy, match="no slot freed within 50 ms"):
            await gate.acquire(50)  # the request's own deadline is shorter than wait_ms
        assert 0.04 < time.perf_counter() - start < 0.5
        cancelled = asyncio.create_task(gate.acquire(1000))  # a client that hangs up
        await asyncio.sleep(0.01)
        cancelled.cancel()
        await asyncio.sleep(0.01)
        assert gate.queued == 0
        gate.release(held)
        assert gate.busy == 0
        await gate.acquire(10)  # the slot came back
        assert gate.busy == 1

    asyncio.run(scenario())


def test_hopeless_wait_is_refused_without_queueing() -> None:
    async def scenario() -> None:
        gate = _admission(running=1, waiting=100, wait_ms=2000)
        gate.hold_s = 0.5  # queries have been taking half a second
        await gate.acquire(1000)
        start = time.perf_counter()
        with pytest.raises(BackendBusy) as info:
            await gate.acquire(200)  # 0.5 s ahead of it, 0.2 s to spare
        assert time.perf_counter() - start < 0.1 and gate.queued == 0  # not its 0.2 s
        assert info.value.retry_after_s == 1

    asyncio.run(scenario())
