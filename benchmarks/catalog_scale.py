"""Catalog at enterprise scale: introspect, store, load and refresh a generated warehouse.

    python benchmarks/catalog_scale.py                       # 10,000 tables, PostgreSQL + DuckDB
    python benchmarks/catalog_scale.py --tables 2000 --backends duckdb
    python benchmarks/catalog_scale.py --reuse               # keep what an earlier run loaded

For each backend: load `enterprise_catalog(N)` (PostgreSQL: database `nl2sql_bench_catalog`,
then ANALYZE; DuckDB: a file in --workdir), introspect and profile it, save the catalog file
and load it in a fresh process, alter 10 tables and refresh. Targets (issue 3): introspect
<= 60 s, load <= 1 s, refresh <= 5 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from nl2sql.backends import open_backend
from nl2sql.catalog import Catalog, introspect, save_catalog
from nl2sql.demo.enterprise import enterprise_catalog, load_enterprise

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "nl2sql_bench_catalog"
ALTERED = 10


def _timer() -> tuple[list[tuple[str, float]], Callable[[str, float], None]]:
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()

    def progress(stage: str, _fraction: float) -> None:
        if not stage.startswith("profiled "):
            marks.append((stage, time.perf_counter() - start))

    return marks, progress


def _pg_url(admin: str, name: str) -> str:
    return admin.rsplit("/", 1)[0] + f"/{name}"


def _prepare_postgres(generated: Catalog, admin: str, reuse: bool) -> str:
    import psycopg

    url = _pg_url(admin, PG_DB)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).fetchone()
        if exists and reuse:
            return url
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')
    start = time.perf_counter()
    load_enterprise(generated, url)
    loaded = time.perf_counter() - start
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    print(f"  load {loaded:.1f} s, ANALYZE {time.perf_counter() - start - loaded:.1f} s")
    return url


def _prepare_duckdb(generated: Catalog, workdir: Path, reuse: bool) -> str:
    path = workdir / f"enterprise_{len(generated.tables)}.duckdb"
    if not (reuse and path.exists()):
        start = time.perf_counter()
        load_enterprise(generated, str(path), replace_existing=True)
        print(f"  load {time.perf_counter() - start:.1f} s, file {path.stat().st_size / 1e6:.0f} MB")
    return f"duckdb:///{path}"


def _alter(url: str, generated: Catalog) -> list[str]:
    """Add a commented column to 10 tables and change the comment of 5 of them (tables no
    foreign key refers to: DuckDB cannot drop their columns again)."""
    referenced = {fk.ref_table for t in generated.tables for fk in t.foreign_keys}
    free = [t.name for t in generated.tables if t.name not in referenced]
    names = free[:: max(1, len(free) // ALTERED)][:ALTERED]
    sql = []
    for i, name in enumerate(names):
        sql.append(f"ALTER TABLE {name} ADD COLUMN bench_flag VARCHAR(8)")
        sql.append(f"COMMENT ON COLUMN {name}.bench_flag IS '基准标记 | Benchmark flag'")
        if i % 2:
            sql.append(f"COMMENT ON TABLE {name} IS '已修改 | Altered'")
    _execute(url, sql)
    return names


def _execute(url: str, sql: list[str]) -> None:
    """Run a write script on the benchmark database (DuckDB file or PostgreSQL)."""
    if url.startswith("duckdb"):
        import duckdb

        with duckdb.connect(url.split("://", 1)[1]) as con:
            con.execute(";\n".join(sql))
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(";\n".join(sql))


def _undo(url: str, names: list[str], generated: Catalog) -> None:
    sql = [f"ALTER TABLE {n} DROP COLUMN bench_flag" for n in names]
    sql += [f"COMMENT ON TABLE {n} IS '{generated.table(n).comment}'"  # type: ignore[union-attr]
            for n in names]
    _execute(url, sql)


def _load_in_fresh_process(path: Path) -> float:
    code = ("import time; from nl2sql.catalog import load_catalog; t = time.perf_counter(); "
            f"load_catalog({str(path)!r}); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _introspect(url: str, workers: int, previous: Catalog | None = None
                ) -> tuple[Catalog, float, list[tuple[str, float]]]:
    marks, progress = _timer()
    backend = open_backend(url)
    try:
        start = time.perf_counter()
        catalog = introspect(backend, workers=workers, previous=previous, progress=progress)
        return catalog, time.perf_counter() - start, marks
    finally:
        backend.close()


def _report(catalog: Catalog, seconds: float, marks: list[tuple[str, float]]) -> None:
    columns = sum(len(t.columns) for t in catalog.tables)
    indexed = sum(1 for t in catalog.tables for c in t.columns if c.values)
    profiled = sum(1 for t in catalog.tables for c in t.columns if c.null_frac is not None)
    print(f"  introspect {seconds:.1f} s: {len(catalog.tables):,} tables, {columns:,} columns "
          f"({profiled:,} profiled, {indexed:,} with a value index), "
          f"{len(catalog.relationships):,} inferred keys, {len(catalog.problems)} problems "
          f"{dict(Counter(p.stage for p in catalog.problems))}")
    previous = 0.0
    for stage, at in marks:
        print(f"    {at - previous:6.2f} s  then: {stage}")
        previous = at


def run(kind: str, generated: Catalog, args: argparse.Namespace) -> None:
    print(f"\n== {kind}: {len(generated.tables):,} tables")
    if kind == "postgres":
        url = _prepare_postgres(generated, args.pg_admin, args.reuse)
    else:
        url = _prepare_duckdb(generated, args.workdir, args.reuse)
    catalog, seconds, marks = _introspect(url, args.workers)
    _report(catalog, seconds, marks)
    path = args.workdir / f"catalog_{kind}_{len(generated.tables)}.json"
    start = time.perf_counter()
    save_catalog(catalog, path)
    saved = time.perf_counter() - start
    loads = [_load_in_fresh_process(path) for _ in range(3)]
    print(f"  save {saved:.2f} s ({path.stat().st_size / 1e6:.1f} MB); "
          f"load in a fresh process {min(loads):.2f} s (best of 3; {', '.join(f'{x:.2f}' for x in loads)})")
    names = _alter(url, generated)
    try:
        refreshed, seconds, marks = _introspect(url, args.workers, previous=catalog)
        redone = next((m for m, _ in marks if m.startswith("read ")), "")
        added = sum(1 for n in names if (t := refreshed.table(n)) and t.column("bench_flag"))
        print(f"  refresh after altering {len(names)} tables: {seconds:.2f} s ({redone}; "
              f"{added} show the new column)")
    finally:
        _undo(url, names, generated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--backends", default="postgres,duckdb")
    parser.add_argument("--pg-admin", default=PG_ADMIN)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/nl2sql_catalog_scale"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="reuse databases already loaded")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    generated = enterprise_catalog(args.tables)
    columns = sum(len(t.columns) for t in generated.tables)
    print(f"generated {len(generated.tables):,} tables, {columns:,} columns in "
          f"{time.perf_counter() - start:.2f} s")
    for kind in args.backends.split(","):
        run(kind.strip(), generated, args)


if __name__ == "__main__":
    main()
