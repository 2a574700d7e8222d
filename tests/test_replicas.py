"""Read replicas on real PostgreSQL: round robin, failover when one dies, return when it is back.

The primary is the server at 127.0.0.1:5432; the two "replicas" are local clusters started
here. They are independent servers, not streaming replicas: routing cannot tell the
difference, and `inet_server_port()` shows which member answered.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from nl2sql.backends import open_backend
from nl2sql.backends.replicas import ReplicatedBackend, member_urls
from nl2sql.demo.sharded import Cluster, local_clusters, start, stop
from nl2sql.errors import ConfigError, ExecutionError

PORT = "SELECT inet_server_port()"


@pytest.fixture(scope="module")
def clusters() -> Iterator[list[Cluster]]:
    with local_clusters(2) as cs:
        yield cs


def _url(clusters: list[Cluster]) -> str:
    hosts = ",".join(["127.0.0.1:5432", *(f"127.0.0.1:{c.port}" for c in clusters)])
    return f"replicas+postgresql://postgres@{hosts}/postgres"


def _ports(backend: ReplicatedBackend, n: int) -> Counter[int]:
    with ThreadPoolExecutor(4) as pool:
        return Counter(pool.map(lambda _: backend.run(PORT).rows[0][0], range(n)))


@pytest.mark.parametrize("url", [
    "replicas://u@h1,h2/db", "replicas+postgresql://u@h1/db", "replicas+postgresql://u@h1,,h2/db",
])
def test_bad_replica_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        open_backend(url)


def test_members_share_credentials_database_and_options() -> None:
    assert member_urls("replicas+mysql://root:pw@a:1,b:2/db?charset=utf8mb4") == [
        "mysql://root:pw@a:1/db?charset=utf8mb4", "mysql://root:pw@b:2/db?charset=utf8mb4"]


@pytest.mark.postgres
@pytest.mark.slow
def test_reads_spread_fail_over_and_come_back(clusters: list[Cluster]) -> None:
    r1, r2 = (c.port for c in clusters)
    backend = open_backend(_url(clusters), check_interval_s=0.3)
    try:
        assert backend.dialect == "postgres"
        assert _ports(backend, 20) == {r1: 10, r2: 10}  # replicas in turn; the primary rests
        # Kill a replica while queries run: none fails, the survivor takes them all.
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(_ports, backend, 200)
            time.sleep(0.05)
            stop(clusters[0])
            during = running.result()
        assert sum(during.values()) == 200 and set(during) <= {r1, r2}
        assert _ports(backend, 10) == {r2: 10}
        # Both replicas down: the primary answers.
        stop(clusters[1])
        assert _ports(backend, 6) == {5432: 6}
        # A replica back up is found by the health check and takes reads again.
        start(clusters[0])
        deadline = time.monotonic() + 10
        while r1 not in _ports(backend, 4) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _ports(backend, 6) == {r1: 6}
        # A bad query is the query's fault: no failover, the error comes through.
        with pytest.raises(ExecutionError, match="no_such_table"):
            backend.run("SELECT * FROM no_such_table")
        assert r1 in _ports(backend, 2)
    finally:
        backend.close()
        start(clusters[1])


@pytest.mark.postgres
def test_every_member_down_is_an_execution_error() -> None:
    with pytest.raises(ExecutionError, match="no member"):
        open_backend("replicas+postgresql://postgres@127.0.0.1:1,127.0.0.1:2/postgres")
