"""The slice says when two columns compete for one mention within the margin."""

from __future__ import annotations

import pytest

from nl2sql.catalog import Catalog, Column, Table
from nl2sql.link.lexical import SchemaIndex, link

SALES = Catalog("duckdb", (
    Table("sales", (Column("region", "VARCHAR", comment="区域 | Region"),
                    Column("product_sales", "BIGINT", comment="产品销量 | Product sales"),
                    Column("region_sales", "BIGINT", comment="区域销量 | Region sales"),
                    Column("price", "DOUBLE", comment="价格 | Price"))),
    Table("branch", (Column("branch_name", "VARCHAR", comment="营业部名称"),)),
))


@pytest.fixture(scope="module")
def index() -> SchemaIndex:
    return SchemaIndex.build(SALES)


@pytest.mark.parametrize("question, mention", [("销量是多少", "销量"), ("what are the sales", "sales")])
def test_a_bare_mention_of_two_fields_is_ambiguous(index: SchemaIndex, question: str,
                                                   mention: str) -> None:
    linked = link(index, question)
    [ambiguity] = linked.ambiguities()
    assert ambiguity.mention == mention
    assert set(ambiguity.options) == {"sales.product_sales", "sales.region_sales"}
    assert f"ambiguous '{mention}'" in " ".join(linked.evidence())


@pytest.mark.parametrize("question", ["产品销量是多少", "product sales by region", "最高价格"])
def test_a_full_name_settles_it(index: SchemaIndex, question: str) -> None:
    linked = link(index, question)
    assert linked.columns and linked.ambiguities() == ()


def test_the_margin_is_relative(index: SchemaIndex) -> None:
    linked = link(index, "销量是多少")
    assert linked.ambiguities(margin=0.0)  # an exact tie stays a tie
    assert len(linked.ambiguities(margin=0.5)[0].options) == 2
