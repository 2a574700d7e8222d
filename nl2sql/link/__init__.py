"""Schema linking: from a question to the tables, columns and values it mentions."""

from __future__ import annotations

from nl2sql.link.lexical import SchemaIndex, link
from nl2sql.link.schema_slice import ColumnLink, NumberLink, SchemaSlice, TableLink, ValueLink

__all__ = ["ColumnLink", "NumberLink", "SchemaIndex", "SchemaSlice", "TableLink", "ValueLink",
           "link"]
