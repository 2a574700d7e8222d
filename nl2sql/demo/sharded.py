"""A sharded PostgreSQL on one machine: local clusters, postgres_fdw, hash-partitioned tables.

What production gets from Citus or a PostgreSQL-protocol distributed engine, built from stock
PostgreSQL so the gateway can be tested against a distributed backend here:

    coordinator database (on cluster 0)          shard database on each cluster
      daily_bar  PARTITION BY HASH (ts_code)  ─┬─► cluster 0: daily_bar (rows with hash % 3 = 0)
        daily_bar_s0 FOREIGN ... SERVER shard0 ├─► cluster 1: daily_bar (hash % 3 = 1)
        daily_bar_s1 ...                       └─► cluster 2: daily_bar (hash % 3 = 2)

The demo warehouse is loaded into the coordinator as usual (`build_demo`), then each big
table is moved onto the shards through its partitioned twin, so PostgreSQL's own hash routing
decides where a row lives. Small dimension tables stay on the coordinator. Foreign tables take
no keys, so the sharded tables lose their declared primary and foreign keys; introspection
infers the joins from names and values, as it does for any schema without keys.

`python -m nl2sql.demo.sharded DIR` starts one and prints the coordinator URL.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nl2sql.demo.build import build_demo
from nl2sql.demo.declaration import comment_statements, create_statement, load_tables
from nl2sql.errors import ConfigError, ExecutionError

__all__ = ["SHARD_KEYS", "Cluster", "local_clusters", "shard_tables", "sharded_demo", "start",
           "stop"]

# The big tables and the column each is distributed by; rows of one key stay together.
SHARD_KEYS = {"daily_bar": "ts_code", "index_daily": "index_code", "fund_nav": "fund_code",
              "orders": "account_id", "trade": "account_id"}
SHARD_DB = "shard"
COORDINATOR_DB = "coordinator"
_START_TIMEOUT_S = 30


@dataclass(frozen=True)
class Cluster:
    """One running PostgreSQL cluster on 127.0.0.1, trust authentication for `postgres`."""

    data_dir: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


def _bin_dir() -> Path:
    """The newest PostgreSQL server binaries: PATH, else /usr/lib/postgresql/<v>/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise ConfigError("no PostgreSQL server binaries (initdb) on PATH or under "
                          "/usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


def _as_postgres() -> list[str]:
    # initdb and postgres refuse to run as root; as anyone else they run as that user.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(args: Sequence[str]) -> None:
    done = subprocess.run([*_as_postgres(), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise ExecutionError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-500:]}")


@contextmanager
def local_clusters(n: int, base: Path | None = None) -> Iterator[list[Cluster]]:
    """`n` fresh clusters under `base` (a new temporary folder, removed afterwards, if None),
    stopped (immediate mode) when the block ends.

    One initdb, copied n times: initdb is the slow part. The folder must be reachable by the
    `postgres` user when running as root (pytest's tmp_path is not).
    """
    bin_dir = _bin_dir()
    owned = base is None
    base = Path(tempfile.mkdtemp(prefix="nl2sql-pg-")) if base is None else base
    base.mkdir(parents=True, exist_ok=True)
    template = base / "template"
    _chown(base)
    _run([str(bin_dir / "initdb"), "-D", str(template), "-U", "postgres", "-A", "trust",
          "--no-sync", "-E", "UTF8", "--locale", "C"])
    clusters: list[Cluster] = []
    try:
        for i in range(n):
            data = base / f"cluster{i}"
            shutil.copytree(template, data, symlinks=True)
            _chown(data)
            cluster = Cluster(data, _free_port())
            start(cluster, bin_dir)
            clusters.append(cluster)
        yield clusters
    finally:
        for c in clusters:
            stop(c, bin_dir)
        if owned:
            shutil.rmtree(base, ignore_errors=True)


def start(cluster: Cluster, bin_dir: Path | None = None) -> None:
    """Start (or restart) a cluster; durability is off, these are throwaway test servers."""
    _run([str((bin_dir or _bin_dir()) / "pg_ctl"), "start", "-w", "-t", str(_START_TIMEOUT_S),
          "-D", str(cluster.data_dir), "-l", str(cluster.data_dir / "server.log"), "-o",
          f"-p {cluster.port} -k {cluster.data_dir} -c listen_addresses=127.0.0.1 "
          "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
          "-c shared_buffers=32MB -c max_connections=60"])


def stop(cluster: Cluster, bin_dir: Path | None = None) -> None:
    """Stop a cluster now (immediate mode: connections are cut, as when a server dies)."""
    with _suppress_missing():
        _run([str((bin_dir or _bin_dir()) / "pg_ctl"), "stop", "-m", "immediate", "-D",
              str(cluster.data_dir)])


@contextmanager
def _suppress_missing() -> Iterator[None]:
    try:
        yield
    except ExecutionError as e:
        if "PID file" not in str(e) and "not running" not in str(e):
            raise


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
        for root, dirs, files in os.walk(path):
            for name in dirs + files:
                shutil.chown(os.path.join(root, name), "postgres", "postgres")


def _execute(url: str, statements: Sequence[str]) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        for stmt in statements:
            con.execute(stmt)


def shard_tables(coordinator_url: str, shards: Sequence[Cluster],
                 keys: dict[str, str] = SHARD_KEYS) -> None:
    """Move each table in `keys` from the coordinator onto `shards`, hash-partitioned by key."""
    tables = {t.name: t for t in load_tables()}
    for cluster in shards:
        _execute(cluster.url(), [f"CREATE DATABASE {SHARD_DB}"])
        _execute(cluster.url(SHARD_DB),
                 [create_statement(tables[name], constraints=False) for name in keys])
    setup = ["CREATE EXTENSION IF NOT EXISTS postgres_fdw"]
    for i, cluster in enumerate(shards):
        setup += [
            f"CREATE SERVER shard{i} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host "
            f"'127.0.0.1', port '{cluster.port}', dbname '{SHARD_DB}', batch_size '1000', "
            "fetch_size '10000', async_capable 'true')",
            f"CREATE USER MAPPING FOR PUBLIC SERVER shard{i} OPTIONS (user 'postgres')",
        ]
    n = len(shards)
    for name, key in keys.items():
        columns = create_statement(tables[name], constraints=False).split("(", 1)[1]
        setup += [f"ALTER TABLE {name} RENAME TO {name}_local",
                  f"CREATE TABLE {name} ({columns} PARTITION BY HASH ({key})"]
        setup += [f"CREATE FOREIGN TABLE {name}_s{i} PARTITION OF {name} FOR VALUES WITH "
                  f"(MODULUS {n}, REMAINDER {i}) SERVER shard{i} OPTIONS (table_name '{name}')"
                  for i in range(n)]
        setup += [f"INSERT INTO {name} SELECT * FROM {name}_local",
                  f"DROP TABLE {name}_local CASCADE", *comment_statements(tables[name])]
    setup += [f"ALTER DATABASE {COORDINATOR_DB} SET enable_partitionwise_aggregate = on",
              "ANALYZE"]
    _execute(coordinator_url, setup)
    for cluster in shards:
        _execute(cluster.url(SHARD_DB), ["ANALYZE"])


@contextmanager
def sharded_demo(base: Path | None = None, *, shards: int = 3, scale: float = 0.02,
                 seed: int = 42, progress: Callable[[str], None] | None = None) -> Iterator[str]:
    """The demo warehouse on `shards` local clusters; yields the coordinator's URL."""
    say = progress or (lambda msg: None)
    with local_clusters(shards, base) as clusters:
        say(f"{shards} clusters up on ports {[c.port for c in clusters]}")
        _execute(clusters[0].url(), [f"CREATE DATABASE {COORDINATOR_DB}"])
        url = clusters[0].url(COORDINATOR_DB)
        build_demo(url, scale=scale, seed=seed)
        say("demo loaded into the coordinator")
        shard_tables(url, clusters)
        say(f"sharded {sorted(SHARD_KEYS)}")
        yield url


def _main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Start a sharded demo PostgreSQL until Ctrl-C.")
    parser.add_argument("dir", type=Path, nargs="?", help="folder for the clusters' data "
                        "(default: a temporary one)")
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.02)
    args = parser.parse_args()
    with sharded_demo(args.dir, shards=args.shards, scale=args.scale, progress=print) as url:
        print(url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    _main()
