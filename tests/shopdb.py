"""The small shop database of tests/fixtures/shop.sql (DuckDB/PostgreSQL syntax)."""

from __future__ import annotations

from pathlib import Path

SHOP_SQL = Path(__file__).parent / "fixtures" / "shop.sql"


def shop_statements() -> list[str]:
    """The fixture's statements, comments dropped."""
    lines = [ln for ln in SHOP_SQL.read_text(encoding="utf-8").splitlines()
             if not ln.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
