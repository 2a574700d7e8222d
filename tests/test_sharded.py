"""The demo question suite gives the same outcome on DuckDB, PostgreSQL, a 3-cluster sharded
PostgreSQL (postgres_fdw + hash partitions, started here) and MariaDB, through the Gateway."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from nl2sql.catalog.model import Catalog
from nl2sql.demo import AS_OF_DATE, build_demo
from nl2sql.demo.sharded import SHARD_KEYS, sharded_demo
from nl2sql.errors import Nl2SqlError
from nl2sql.pipeline import Gateway
from nl2sql.settings import load_settings

SCALE = 0.02
QUESTIONS = [json.loads(line) for line in
             (Path(__file__).parent / "fixtures" / "demo_questions.jsonl").read_text(
                 encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def sharded_url() -> Iterator[str]:
    with sharded_demo(scale=SCALE) as url:
        yield url


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, new_pg_database: Callable[[str], str],
           new_mysql_database: Callable[[str], str], sharded_url: str) -> dict[str, str]:
    duck = tmp_path_factory.mktemp("sharded") / "trading.duckdb"
    build_demo(duck, scale=SCALE)
    pg = new_pg_database("sharded")
    build_demo(pg, scale=SCALE)
    mysql_url = new_mysql_database("sharded")  # its own: other tests add tables to the shared one
    build_demo(mysql_url, scale=SCALE)
    return {"duckdb": f"duckdb:///{duck}", "postgres": pg, "sharded": sharded_url,
            "mariadb": mysql_url}


def _value(v: Any) -> Any:
    """One spelling per value across engines: numbers as floats, dates as text."""
    if isinstance(v, Decimal | float):
        return float(v)
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    return v


def _outcome(gateway: Gateway, question: str) -> tuple[str, Any]:
    """The rows sorted (no ORDER BY means no order), the count of a truncated result, or the
    error type."""
    try:
        answer = gateway.ask(question)
    except Nl2SqlError as e:
        return "error", e.to_dict()["type"]
    if answer.truncated:
        # LIMIT without a total ORDER BY: which rows come is up to the engine (and, sharded,
        # to which shard answers first); only how many is defined.
        return "truncated", len(answer.rows)
    rows = [tuple(_value(v) for v in row) for row in answer.rows]
    return "rows", sorted(rows, key=lambda r: [f"{v:.2f}" if isinstance(v, float) else str(v)
                                               for v in r])


def _same(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    """Equal outcomes; floats to a relative 1e-6: engines sum in different orders, and MySQL
    gives a DECIMAL average 4 more places than its input (div_precision_increment), not 16."""
    if a[0] != b[0] or a[0] != "rows":
        return a == b
    return len(a[1]) == len(b[1]) and all(
        len(x) == len(y) and all(
            math.isclose(u, v, rel_tol=1e-6) if isinstance(u, float) and isinstance(v, float)
            else u == v for u, v in zip(x, y, strict=True))
        for x, y in zip(a[1], b[1], strict=True))


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.mysql
def test_demo_suite_agrees_on_every_store(stores: dict[str, str], tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, as_of=AS_OF_DATE)
    outcomes: dict[str, dict[str, tuple[str, Any]]] = {}
    catalogs: dict[str, Catalog] = {}
    for name, url in stores.items():
        # Foreign tables carry no keys, and the parser reads a bar's (code, date) key to
        # pick the latest row: the sharded store is described by its unsharded twin's catalog,
        # as a Citus or StarRocks table declares the keys postgres_fdw cannot.
        gateway = Gateway.open(url, settings, catalog=catalogs.get(
            "postgres" if name == "sharded" else ""))
        catalogs[name] = gateway.catalog
        try:
            outcomes[name] = {q["id"]: _outcome(gateway, q["question"]) for q in QUESTIONS}
        finally:
            gateway.close()
    answered = [qid for qid, (kind, _) in outcomes["duckdb"].items() if kind == "rows"]
    assert len(answered) >= 10  # the suite exercises real queries, not only refusals
    for name in ("postgres", "sharded", "mariadb"):
        differ = [qid for qid in outcomes["duckdb"]
                  if not _same(outcomes[name][qid], outcomes["duckdb"][qid])]
        assert not differ, (name, {q: (outcomes["duckdb"][q], outcomes[name][q])
                                   for q in differ[:3]})


@pytest.mark.slow
def test_big_tables_really_live_on_three_shards(sharded_url: str) -> None:
    with psycopg.connect(sharded_url) as con:
        for table in SHARD_KEYS:
            kinds = con.execute(
                "SELECT c.relkind, count(*) FROM pg_inherits i JOIN pg_class c "
                "ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass GROUP BY 1",
                (table,)).fetchall()
            assert kinds == [("f", 3)], table  # three foreign partitions, nothing local
            per_shard = con.execute(
                f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1").fetchall()
            assert len(per_shard) == 3 and all(n > 0 for _, n in per_shard), table
