"""Store a Catalog as one versioned JSON file, written atomically.

    {"format": "nl2sql-catalog", "version": 1, "dialect": ..., "source": ..., "tables": [...]}

Values that are not JSON types (dates, Decimals) are stored as strings.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from nl2sql.catalog.model import Catalog, Column, ForeignKey, Table
from nl2sql.errors import CatalogError

__all__ = ["FORMAT", "VERSION", "catalog_from_dict", "catalog_to_dict", "load_catalog",
           "save_catalog"]

FORMAT = "nl2sql-catalog"
VERSION = 1


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    """The JSON-ready document of a catalog."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "dialect": catalog.dialect,
        "source": catalog.source,
        "tables": [_table_to_dict(t) for t in catalog.tables],
    }


def _table_to_dict(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "schema": table.schema,
        "kind": table.kind,
        "comment": table.comment,
        "row_count": table.row_count,
        "primary_key": list(table.primary_key),
        "foreign_keys": [
            {"columns": list(fk.columns), "ref_table": fk.ref_table,
             "ref_columns": list(fk.ref_columns)}
            for fk in table.foreign_keys
        ],
        "columns": [_column_to_dict(c) for c in table.columns],
    }


def _column_to_dict(column: Column) -> dict[str, Any]:
    return {
        "name": column.name,
        "type": column.type,
        "nullable": column.nullable,
        "comment": column.comment,
        "primary_key": column.primary_key,
        "values": list(column.values),
        "samples": list(column.samples),
    }


def save_catalog(catalog: Catalog, path: Path) -> None:
    """Write the catalog to `path` atomically: readers see the old file or the new one."""
    path = Path(path)
    text = json.dumps(catalog_to_dict(catalog), ensure_ascii=False, indent=1, default=str)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise CatalogError(f"cannot write catalog file {path}: {e}") from e


def load_catalog(path: Path) -> Catalog:
    """Read a catalog file written by `save_catalog`; anything else is a CatalogError."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"catalog file not found: {path}; run `nl2sql introspect` first") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CatalogError(f"cannot read catalog file {path}: {e}") from e
    return catalog_from_dict(doc, origin=str(path))


def catalog_from_dict(doc: Any, origin: str = "catalog") -> Catalog:
    """The Catalog of a document made by `catalog_to_dict`, checking format and version."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CatalogError(f"{origin} is not an nl2sql catalog (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise CatalogError(
            f"{origin} has catalog version {doc.get('version')!r}; this nl2sql reads version "
            f"{VERSION}: introspect the database again to rebuild it"
        )
    try:
        return Catalog(
            dialect=str(doc["dialect"]),
            source=str(doc.get("source", "")),
            tables=tuple(_table_from_dict(t) for t in doc["tables"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise CatalogError(f"{origin} is malformed: {type(e).__name__}: {e}") from e


def _table_from_dict(d: dict[str, Any]) -> Table:
    kind = d.get("kind", "table")
    if kind not in ("table", "view"):
        raise ValueError(f"table {d.get('name')!r} has unknown kind {kind!r}")
    return Table(
        name=d["name"],
        schema=d.get("schema", ""),
        kind=kind,
        comment=d.get("comment", ""),
        row_count=d.get("row_count"),
        primary_key=tuple(d.get("primary_key", ())),
        foreign_keys=tuple(
            ForeignKey(tuple(fk["columns"]), fk["ref_table"], tuple(fk["ref_columns"]))
            for fk in d.get("foreign_keys", ())
        ),
        columns=tuple(_column_from_dict(c) for c in d["columns"]),
    )


def _column_from_dict(d: dict[str, Any]) -> Column:
    return Column(
        name=d["name"],
        type=d.get("type", ""),
        nullable=bool(d.get("nullable", True)),
        comment=d.get("comment", ""),
        primary_key=bool(d.get("primary_key", False)),
        values=tuple(str(v) for v in d.get("values", ())),
        samples=tuple(str(v) for v in d.get("samples", ())),
    )
