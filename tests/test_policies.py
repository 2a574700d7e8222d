"""Access policies (table/column allowlists, tenant rows) and the EXPLAIN cost guard.

The cross-tenant attack corpus runs over HTTP in test_security.py; here: configuration,
the rewrite's shape, column allowlists and roles on the demo warehouse (DuckDB), and the
cost guard against real plans on PostgreSQL and DuckDB.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nl2sql.backends import open_backend
from nl2sql.catalog.model import Catalog, Column, Table
from nl2sql.demo import build_demo
from nl2sql.errors import ConfigError, ExecutionError, GuardError
from nl2sql.guard import Access, guard
from nl2sql.guard.cost import check_cost, estimate
from nl2sql.pipeline import Gateway
from nl2sql.service import build_app
from nl2sql.service.auth import KeyRing
from nl2sql.settings import load_settings

TENANT = {"column": "account_id", "value": 7, "shared": ["securities"]}
CATALOG = Catalog("postgres", (
    Table("orders", (Column("order_id", "int"), Column("account_id", "int"),
                     Column("ts_code", "text"), Column("Secret", "text"))),
    Table("securities", (Column("ts_code", "text"), Column("name", "text"))),
    Table("customer", (Column("customer_id", "int"), Column("name", "text"))),
))


def checked(sql: str, spec: dict[str, Any], dialect: str = "postgres") -> str:
    return guard(sql, CATALOG, dialect=dialect, read="postgres",
                 access=Access.parse(spec, "test")).sql


def rejected(sql: str, spec: dict[str, Any]) -> GuardError:
    with pytest.raises(GuardError) as info:
        checked(sql, spec)
    return info.value


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize("spec, problem", [
    ({"tables": "orders"}, "list of names"),
    ({"columns": ["orders"]}, "columns must be an object"),
    ({"rows": 1}, "unknown field"),
    ({"tenant": {"column": "account_id"}}, "value"),
    ({"tenant": {"column": "account_id", "value": True}}, "value"),
    ({"tenant": {"column": "", "value": 1}}, "tenant column"),
    ({"tenant": {"column": {"orders": 3}, "value": 1}}, "tenant column"),
    ({"tenant": {"column": "a", "values": []}}, "value"),
])
def test_bad_access_is_a_config_error(spec: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        Access.parse(spec, "api_keys[k]")


def test_keys_combine_role_and_key_limits() -> None:
    ring = KeyRing(
        {"k1": {"role": "analyst", "tables": ["orders", "customer"],
                "columns": {"orders": ["order_id", "account_id"]}, "tenant": TENANT},
         "k2": {"role": "admin"}},
        role_access={"analyst": {"tables": ["orders", "securities"],
                                 "columns": {"orders": ["order_id", "ts_code"]}}})
    key = ring.authorize("k1", "sql")
    assert key.access is not None
    assert key.access.tables == {"orders"}
    assert key.access.columns == {"orders": {"order_id"}}
    assert key.access.tenant is not None and key.access.tenant.values == (7,)
    assert ring.authorize("k2", "sql").access is None
    with pytest.raises(ConfigError, match="unknown role"):
        KeyRing({}, role_access={"boss": {}})
    with pytest.raises(ConfigError, match="unknown field"):
        KeyRing({}, role_access={"analyst": {"tenant": TENANT}})


def test_open_service_applies_the_admin_role_access() -> None:
    ring = KeyRing({}, role_access={"admin": {"tables": ["securities"]}})
    access = ring.authorize(None, "sql").access
    assert access is not None and access.tables == {"securities"}


# ------------------------------------------------------------------ the rewrite


def test_tenant_tables_become_filtered_subqueries_under_the_same_name() -> None:
    sql = checked("SELECT o.ts_code, s.name FROM orders AS o JOIN securities AS s "
                  "ON s.ts_code = o.ts_code WHERE o.order_id = 1 OR 1 = 1", {"tenant": TENANT})
    assert sql == (
        'SELECT o.ts_code, s.name FROM (SELECT * FROM orders WHERE "account_id" = 7 OFFSET 0) '
        "AS o JOIN securities AS s ON s.ts_code = o.ts_code WHERE o.order_id = 1 OR 1 = 1")


def test_schema_qualified_columns_follow_the_subquery() -> None:
    sql = checked("SELECT public.orders.ts_code FROM public.orders", {"tenant": TENANT})
    assert sql.startswith("SELECT orders.ts_code FROM (SELECT * FROM public.orders WHERE")


def test_several_tenant_values_and_a_column_per_table() -> None:
    spec = {"tenant": {"column": {"orders": "Account_ID", "customer": "customer_id"},
                       "values": [7, "8"]}}
    sql = checked("SELECT c.name FROM customer AS c", spec)
    assert "WHERE \"customer_id\" IN (7, '8')" in sql
    assert "\"account_id\" IN (7, '8')" in checked("SELECT 1 FROM orders", spec)


def test_no_planner_fence_where_the_engine_needs_none() -> None:
    sql = checked("SELECT ts_code FROM orders", {"tenant": TENANT}, dialect="sqlite")
    assert "OFFSET" not in sql and "account_id" in sql


def test_the_rewrite_runs_inside_every_scope() -> None:
    sql = checked(
        "SELECT ts_code FROM (WITH orders AS (SELECT * FROM orders) SELECT ts_code FROM orders) "
        "AS x UNION SELECT ts_code FROM securities WHERE ts_code IN (SELECT ts_code FROM orders)",
        {"tenant": TENANT})
    # The CTE body and the IN subquery; the reference to the CTE is the CTE.
    assert sql.count('"account_id" = 7') == 2


def test_forbidden_tables_and_columns_are_named() -> None:
    err = rejected("SELECT name FROM customer", {"tenant": TENANT})
    assert err.details["reason"] == "table_not_allowed"
    assert err.details["identifier"] == "customer" and "account_id" in err.message
    err = rejected("SELECT * FROM securities", {"tables": ["orders"]})
    assert err.details["reason"] == "table_not_allowed" and err.details["suggestions"] == ["orders"]
    err = rejected("SELECT o.Secret FROM orders AS o",
                   {"columns": {"orders": ["order_id", "ts_code"]}})
    assert err.details["reason"] == "column_not_allowed"
    assert err.details["identifier"] == "orders.Secret"
    assert err.details["suggestions"] == ["order_id", "ts_code"]
    err = rejected("SELECT 1 FROM orders", {"columns": {"orders": []}})
    assert err.details["reason"] == "table_not_allowed"


def test_star_expands_to_the_allowed_columns_only() -> None:
    sql = checked("SELECT * FROM orders", {"columns": {"orders": ["ts_code", "order_id"]}})
    assert sql == 'SELECT * FROM (SELECT "order_id", "ts_code" FROM orders) AS orders'


# ------------------------------------------------------------------ on the demo warehouse


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("policies") / "trading.duckdb"
    build_demo(path, scale=0.02)
    return f"duckdb:///{path}"


@pytest.fixture(scope="module")
def gateway(demo: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    g = Gateway.open(demo, load_settings(data_dir=tmp_path_factory.mktemp("data")))
    yield g
    g.close()


def test_hidden_columns_stay_hidden_on_duckdb(gateway: Gateway) -> None:
    access = Access.parse({"columns": {"customer": ["customer_id", "city"]}}, "test")
    answer = gateway.run_sql("SELECT * FROM customer ORDER BY customer_id LIMIT 2",
                             access=access)
    assert answer.columns == ("customer_id", "city") and len(answer.rows) == 2
    with pytest.raises(GuardError, match="customer.name"):
        gateway.run_sql("SELECT c.name FROM customer c", access=access)
    # Through a derived table our resolver cannot follow the star; the database can't either.
    with pytest.raises(ExecutionError):
        gateway.run_sql("SELECT x.name FROM (SELECT * FROM customer) x", access=access)


def test_several_accounts_see_exactly_theirs(gateway: Gateway) -> None:
    mine = [r[0] for r in gateway.backend.run(
        "SELECT DISTINCT account_id FROM orders ORDER BY 1 LIMIT 2").rows]
    access = Access.parse({"tenant": {"column": "account_id", "values": mine}}, "test")
    answer = gateway.run_sql("SELECT DISTINCT account_id FROM orders ORDER BY 1", access=access)
    assert [r[0] for r in answer.rows] == mine


def test_role_access_limits_questions_over_http(demo: str, tmp_path: Path) -> None:
    keys = {"reader": {"role": "broadcast"}, "boss": {"role": "admin"}}
    settings = load_settings(database=demo, data_dir=tmp_path, api_keys=keys,
                             role_access={"broadcast": {"tables": ["daily_bar"]}})
    question = {"question": "每个行业有多少只股票"}
    with TestClient(build_app(settings)) as client:
        denied = client.post("/v1/ask", json=question, headers={"X-API-Key": "reader"})
        allowed = client.post("/v1/ask", json=question, headers={"X-API-Key": "boss"})
    assert allowed.status_code == 200, allowed.text
    assert denied.status_code == 400, denied.text
    err = denied.json()["error"]
    assert (err["type"], err["reason"]) == ("sql_rejected", "table_not_allowed")
    assert "daily_bar" in err["message"]


# ------------------------------------------------------------------ the cost guard


@pytest.fixture(scope="module")
def pg_gateway(pg_url: str, write_sql: Callable[[str, str], None],
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    write_sql(pg_url, [
        "CREATE TABLE policies_big AS SELECT g AS id, g % 97 AS k FROM generate_series(1, 20000) g",
        "ANALYZE policies_big",
    ])
    settings = load_settings(data_dir=tmp_path_factory.mktemp("pg"), max_plan_cost=1e7,
                             max_plan_rows=1e9)
    g = Gateway.open(pg_url, settings)
    yield g
    g.close()


BOMB = "SELECT count(*) FROM policies_big a, policies_big b, policies_big c"


@pytest.mark.postgres
def test_cross_join_bomb_is_rejected_by_its_plan_on_postgres(pg_gateway: Gateway) -> None:
    assert pg_gateway.run_sql("SELECT count(*) FROM policies_big WHERE k = 3").rows == [(207,)]
    with pytest.raises(GuardError) as info:
        pg_gateway.run_sql(BOMB)
    assert info.value.details["reason"] == "too_costly"
    assert info.value.details["estimated_cost"] > 1e7
    est = estimate(pg_gateway.backend, BOMB.replace("count(*)", "a.id"))
    assert est is not None and est.rows >= 20000.0 ** 3 * 0.9
    with pytest.raises(GuardError, match="rows"):
        check_cost(pg_gateway.backend, BOMB.replace("count(*)", "a.id"), max_rows=1e9)


def test_cross_products_count_as_the_product_on_duckdb(gateway: Gateway) -> None:
    bomb = "SELECT count(*) FROM daily_bar a, daily_bar b"
    est = estimate(gateway.backend, bomb)
    single = estimate(gateway.backend, "SELECT vol FROM daily_bar")
    assert est is not None and single is not None and est.cost is None
    assert est.rows == pytest.approx(single.rows ** 2)
    with pytest.raises(GuardError) as info:
        check_cost(gateway.backend, bomb, max_rows=1e9, max_cost=1.0)  # no cost on DuckDB
    assert info.value.details["reason"] == "too_costly"
    assert check_cost(gateway.backend, "SELECT vol FROM daily_bar", max_rows=1e9) == single


def test_cost_guard_is_off_by_default_and_skips_engines_without_estimates(
        gateway: Gateway, tmp_path: Path) -> None:
    assert check_cost(gateway.backend, "SELECT 1") is None  # no limit: no EXPLAIN at all
    db = tmp_path / "s.sqlite"
    sqlite3.connect(db).close()
    backend = open_backend(f"sqlite:///{db}")
    try:
        assert estimate(backend, "SELECT 1") is None
    finally:
        backend.close()
