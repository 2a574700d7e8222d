"""HTAP routing: one dataset on PostgreSQL (row store) and DuckDB (columnar copy).

Point lookups must run on PostgreSQL, scans and aggregates on DuckDB, the response must say
where and why, and both stores must give the same answers (they hold identical demo data).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import sqlglot
from fastapi.testclient import TestClient

from nl2sql.backends import open_backend
from nl2sql.backends.htap import choose
from nl2sql.catalog.introspect import introspect
from nl2sql.catalog.model import Catalog
from nl2sql.demo import build_demo
from nl2sql.errors import ConfigError
from nl2sql.eval.compare import normalize_rows, results_match
from nl2sql.service import build_app
from nl2sql.settings import load_settings
from tests.conftest import PG_ADMIN, _with_database

pytestmark = pytest.mark.postgres

ROUTES = [json.loads(line) for line in
          (Path(__file__).parent / "fixtures" / "htap_routes.jsonl").read_text().splitlines()]
SCALE = 0.02
PG_NAME = "nl2sql_htap"


def _pg_demo() -> str:
    """The demo warehouse at SCALE in PostgreSQL database nl2sql_htap, built once if missing."""
    url = _with_database(PG_ADMIN, PG_NAME)
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               (PG_NAME,)).fetchone()
        if exists:
            with psycopg.connect(url) as conn:
                done = conn.execute("SELECT count(*) FROM information_schema.tables WHERE "
                                    "table_name = 'trade_calendar'").fetchone()
            if done and done[0]:
                return url
            admin.execute(f'DROP DATABASE "{PG_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    build_demo(url, scale=SCALE)
    return url


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    duck = tmp_path_factory.mktemp("htap") / "trading.duckdb"
    build_demo(duck, scale=SCALE)
    return _pg_demo(), f"duckdb:///{duck}"


@pytest.fixture(scope="module")
def catalog(stores: tuple[str, str]) -> Catalog:
    with open_backend(stores[0]) as b:  # type: ignore[attr-defined]
        return introspect(b)


@pytest.fixture(scope="module")
def client(stores: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[TestClient]:
    row, columnar = stores
    settings = load_settings(database=row, columnar_copies={"default": columnar},
                             data_dir=tmp_path_factory.mktemp("data"), cache_size=0,
                             as_of="2026-11-24")
    with TestClient(build_app(settings)) as c:
        yield c


def _as_json(v: object) -> object:
    """Values as the service writes them: exact decimals as floats, dates as ISO text."""
    return float(v) if isinstance(v, Decimal) else str(v)


@pytest.mark.parametrize("case", ROUTES, ids=[c["sql"][:60] for c in ROUTES])
def test_route_by_query_shape(case: dict[str, str], catalog: Catalog) -> None:
    route = choose(case["sql"], catalog, "postgres", point_limit=100)
    assert route.store == case["store"], route.reason
    assert route.reason


@pytest.mark.parametrize("case", ROUTES[:4] + ROUTES[5:10], ids=lambda c: c["sql"][:60])
def test_both_stores_answer_alike_and_say_where(case: dict[str, str], client: TestClient,
                                                stores: tuple[str, str]) -> None:
    r = client.post("/v1/sql", json={"sql": case["sql"]})
    assert r.status_code == 200, r.text
    body = r.json()
    expected_dialect = "postgres" if case["store"] == "row" else "duckdb"
    assert body["route"]["store"] == case["store"]
    assert body["route"]["dialect"] == body["dialect"] == expected_dialect
    assert body["route"]["reason"]
    # The same query on the other store gives the same rows: one dataset, two engines.
    other_url = stores[1] if case["store"] == "row" else stores[0]
    with open_backend(other_url) as other:  # type: ignore[attr-defined]
        sql = sqlglot.transpile(body["sql"], read=body["dialect"], write=other.dialect)[0]
        rows = json.loads(json.dumps(other.run(sql).rows, default=_as_json))
    assert results_match(normalize_rows(body["rows"]), normalize_rows(rows), ordered=False)


def test_questions_route_too(client: TestClient) -> None:
    point = client.post("/v1/ask", json={"question": "贵州茅台最新收盘价是多少？"})
    scan = client.post("/v1/ask", json={"question": "每个行业有多少只股票？"})
    assert point.status_code == scan.status_code == 200, (point.text, scan.text)
    assert scan.json()["route"]["store"] == "columnar", scan.text
    assert point.json()["route"]["reason"] and point.json()["rows"], point.text


def test_columnar_copy_of_unknown_database_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown databases"):
        build_app(load_settings(data_dir=tmp_path, columnar_copies={"nope": "x.duckdb"}))
