"""Introspect a database into a Catalog of tables, columns, keys, comments and values."""

from __future__ import annotations

from nl2sql.catalog.introspect import fingerprint, introspect, introspect_url, sample_table
from nl2sql.catalog.model import (
    Catalog,
    Column,
    ForeignKey,
    Problem,
    Relationship,
    Table,
    type_class,
)
from nl2sql.catalog.store import load_catalog, save_catalog

__all__ = [
    "Catalog",
    "Column",
    "ForeignKey",
    "Problem",
    "Relationship",
    "Table",
    "fingerprint",
    "introspect",
    "introspect_url",
    "load_catalog",
    "sample_table",
    "save_catalog",
    "type_class",
]
