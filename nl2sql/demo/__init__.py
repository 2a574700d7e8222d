"""The embedded demo trading warehouse ("trading"): synthetic A-share market and brokerage data.

>>> from nl2sql.demo import build_demo
>>> report = build_demo("/tmp/trading.duckdb", scale=0.02)  # doctest: +SKIP
"""

from __future__ import annotations

from nl2sql.demo.build import AS_OF_DATE, DEMO_DB_ID, START_DATE, BuildReport, build_demo
from nl2sql.demo.declaration import load_tables, schema_dir

__all__ = [
    "AS_OF_DATE",
    "DEMO_DB_ID",
    "START_DATE",
    "BuildReport",
    "build_demo",
    "load_tables",
    "schema_dir",
]
