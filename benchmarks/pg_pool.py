"""PostgreSQL driver paths compared: psycopg's AsyncConnectionPool on the event loop versus
the sync ConnectionPool on a bounded thread pool awaited from the loop (the gateway's path).

    python benchmarks/pg_pool.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
                                 [--clients 64] [--seconds 5] [--pool 8]

Both run the same read-only point lookup from `clients` asyncio tasks for `seconds`; prints
queries/s, p50/p99 latency and process CPU per query (the scarce resource on a small box).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from psycopg_pool import AsyncConnectionPool, ConnectionPool

QUERY = "SELECT oid, relname FROM pg_class WHERE relname = 'pg_type'"


async def drive(call: Callable[[], Awaitable[object]], clients: int, seconds: float
                ) -> tuple[int, list[float], float]:
    """Run `call` from `clients` tasks until `seconds` pass; count, latencies, CPU seconds."""
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def client() -> None:
        while time.perf_counter() < stop:
            t = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t)

    cpu = time.process_time()
    await asyncio.gather(*(client() for _ in range(clients)))
    return len(latencies), latencies, time.process_time() - cpu


async def async_pool(url: str, size: int, clients: int, seconds: float):
    async with AsyncConnectionPool(url, min_size=size, max_size=size, open=False) as pool:
        await pool.wait()

        async def call() -> object:
            async with pool.connection() as conn:
                cur = await conn.execute(QUERY)
                return await cur.fetchall()

        return await drive(call, clients, seconds)


async def sync_pool_on_threads(url: str, size: int, clients: int, seconds: float):
    with ConnectionPool(url, min_size=size, max_size=size) as pool, \
            ThreadPoolExecutor(size) as threads:
        pool.wait()
        loop = asyncio.get_running_loop()

        def query() -> object:
            with pool.connection() as conn:
                return conn.execute(QUERY).fetchall()

        return await drive(lambda: loop.run_in_executor(threads, query), clients, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--pool", type=int, default=8)
    args = parser.parse_args()
    rates = {}
    for name, path in (("sync pool on threads", sync_pool_on_threads),
                       ("AsyncConnectionPool", async_pool)):
        n, lat, cpu = asyncio.run(path(args.url, args.pool, args.clients, args.seconds))
        lat.sort()
        rates[name] = n / args.seconds
        print(f"{name:22s} {n / args.seconds:8.0f} q/s  p50 {statistics.median(lat) * 1000:6.2f} ms"
              f"  p99 {lat[int(0.99 * len(lat))] * 1000:6.2f} ms"
              f"  CPU/query {cpu / n * 1e6:6.0f} µs")
    ratio = rates["AsyncConnectionPool"] / rates["sync pool on threads"]
    print(f"async / sync-on-threads throughput: {ratio:.2f}")


if __name__ == "__main__":
    main()
