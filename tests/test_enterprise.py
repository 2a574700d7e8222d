"""The enterprise-scale schema generator: shape of the catalog, and loading it for real."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from nl2sql.catalog import introspect_url
from nl2sql.catalog.model import Catalog
from nl2sql.demo.enterprise import enterprise_catalog, load_enterprise
from nl2sql.errors import ConfigError

COMMENT = re.compile(r"^[^|]+ \| [^|]+( \| [^|]+)?$")


@pytest.fixture(scope="module")
def catalog300() -> Catalog:
    return enterprise_catalog(300)


def test_same_seed_same_catalog_other_seed_other_catalog() -> None:
    a, b, c = enterprise_catalog(120), enterprise_catalog(120), enterprise_catalog(120, seed=8)
    assert a.tables == b.tables
    assert [t.name for t in a.tables] != [t.name for t in c.tables]


def test_size_names_and_comments(catalog300: Catalog) -> None:
    names = [t.name for t in catalog300.tables]
    assert len(names) == len(set(names)) == 300
    assert sum(len(t.columns) for t in catalog300.tables) >= 300 * 14
    assert all(re.fullmatch(r"(dim|ods|dwd|dws|ads|rpt)_[a-z0-9_]+", n) for n in names)
    for t in catalog300.tables:
        assert COMMENT.match(t.comment), t.comment
        assert len({c.name for c in t.columns}) == len(t.columns), t.name
        for c in t.columns:
            assert COMMENT.match(c.comment), (t.name, c.name, c.comment)


def test_copies_that_make_retrieval_hard(catalog300: Catalog) -> None:
    names = {t.name for t in catalog300.tables}
    for suffix in ("_his", "_bak", "_2023"):
        copies = [n for n in names if n.endswith(suffix)]
        assert copies, suffix
    his = next(t for t in catalog300.tables if t.name.endswith("_his"))
    base = catalog300.table(his.name.removesuffix("_his"))
    assert base is not None
    assert [c.name for c in his.columns][: len(base.columns)] == [c.name for c in base.columns]


def test_keys_and_foreign_key_chains(catalog300: Catalog) -> None:
    fks = [(t, fk) for t in catalog300.tables for fk in t.foreign_keys]
    assert len(fks) >= 50
    for t, fk in fks:
        ref = catalog300.table(fk.ref_table)
        assert ref is not None and ref.primary_key == fk.ref_columns, (t.name, fk)
        assert t.column(fk.columns[0]) is not None
    # order -> account -> customer -> branch, declared on the dimension tables.
    hops = {t.name: {fk.ref_table for fk in t.foreign_keys} for t in catalog300.tables}
    assert "dim_brk_account" in hops["dim_brk_order"]
    assert "dim_crm_customer" in hops["dim_brk_account"]
    assert "dim_brk_branch" in hops["dim_crm_customer"]


def test_value_lists_on_text_columns(catalog300: Catalog) -> None:
    listed = [c for t in catalog300.tables for c in t.columns if c.values]
    assert len(listed) >= 300
    assert all(c.type_class == "text" and 2 <= len(c.values) <= 12 for c in listed)
    status = catalog300.table("dim_brk_account").column("account_status")  # type: ignore[union-attr]
    assert status is not None and "冻结" in status.values


def test_bad_sizes_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        enterprise_catalog(0)
    with pytest.raises(ConfigError):
        load_enterprise(enterprise_catalog(3), "mysql://root@127.0.0.1/test")
    with pytest.raises(ConfigError):
        load_enterprise(enterprise_catalog(3), str(tmp_path / "e.duckdb"), rows_per_table=-1)


def _same_structure(generated: Catalog, read: Catalog) -> None:
    assert {t.name for t in read.tables} == {t.name for t in generated.tables}
    for t in generated.tables:
        r = read.table(t.name)
        assert r is not None
        assert r.comment == t.comment
        assert [(c.name, c.comment) for c in r.columns] == [(c.name, c.comment) for c in t.columns]
        assert r.primary_key == t.primary_key
        assert set(r.foreign_keys) == set(t.foreign_keys)
        assert r.row_count == 4


def test_load_into_duckdb_and_read_back(tmp_path: Path) -> None:
    generated = enterprise_catalog(60)
    path = tmp_path / "enterprise.duckdb"
    assert load_enterprise(generated, str(path), rows_per_table=4) == 60
    read = introspect_url(f"duckdb:///{path}")
    _same_structure(generated, read)
    with pytest.raises(ConfigError, match="exists"):
        load_enterprise(generated, str(path))


@pytest.mark.postgres
def test_load_into_postgres_and_read_back(new_pg_database: Callable[[str], str]) -> None:
    generated = enterprise_catalog(60, seed=3)
    url = new_pg_database("enterprise")
    assert load_enterprise(generated, url, rows_per_table=4) == 60
    _same_structure(generated, introspect_url(url))
    with pytest.raises(ConfigError, match="already exist"):
        load_enterprise(generated, url)
    load_enterprise(generated, url, rows_per_table=4, replace_existing=True)
    _same_structure(generated, introspect_url(url))
