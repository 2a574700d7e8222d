"""The result cache: guarded SQL + database + data version -> Result, for a while.

`ResultCache` is the tiny interface (string keys, so a Redis implementation can share them,
see nl2sql.service.shared_state); `LruTtlCache` is the in-process one; `CachedBackend` puts a
cache in front of any Backend. The key is built from the SQL the guard produced, which sqlglot
has already normalized (keyword case, spacing, comments), so different spellings of one query
share an entry. `fill_once` keeps a burst of identical misses from all running the query: one
caller takes the key's lock and computes, the others wait (bounded) for its result.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from nl2sql.backends import Backend, Result
from nl2sql.service.lru import TtlLru

__all__ = ["CachedBackend", "LruTtlCache", "ResultCache", "cache_key", "data_version", "fill_once"]

# Results of these change on every run, so caching them would be wrong, not just stale.
_VOLATILE = re.compile(r"\b(RANDOM|RAND|RANDOMBLOB|UUID|GEN_RANDOM_UUID|UUIDV4)\s*\(", re.I)
# Without a statement timeout to bound it, how long a computation may hold its key's lock.
_DEFAULT_FILL_WAIT_S = 10.0
_POLL_S = (0.002, 0.05)  # first and longest pause of a caller waiting for another's result


class ResultCache(Protocol):
    """Where results are kept between requests."""

    def get(self, key: str) -> Result | None: ...

    def put(self, key: str, value: Result) -> None: ...

    def clear(self) -> int: ...

    def try_lock(self, key: str, hold_s: float) -> str | None:
        """The right to compute `key` for `hold_s` seconds: a token, or None if taken."""

    def unlock(self, key: str, token: str) -> None:
        """Give the right back, if `token` still holds it."""


class LruTtlCache:
    """At most `size` results, each served for `ttl_s` seconds; least recently used go first.

    >>> c = LruTtlCache(size=1, ttl_s=60)
    >>> c.put("a", Result(("x",), [(1,)])); c.put("b", Result(("x",), [(2,)]))
    >>> c.get("a") is None, c.get("b").rows
    (True, [(2,)])
    """

    def __init__(self, size: int, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self.size, self.ttl_s, self._clock = size, ttl_s, clock
        self._items = TtlLru[Result](size, ttl_s, clock)
        self._locks: dict[str, tuple[str, float]] = {}  # key -> (token, expiry)
        self._lock = threading.Lock()

    def get(self, key: str) -> Result | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, value: Result) -> None:
        with self._lock:
            self._items.put(key, value)

    def clear(self) -> int:
        """Drop every entry; returns how many there were."""
        with self._lock:
            return self._items.clear()

    def try_lock(self, key: str, hold_s: float) -> str | None:
        with self._lock:
            now = self._clock()
            held = self._locks.get(key)
            if held is not None and held[1] > now:
                return None
            token = secrets.token_hex(8)
            self._locks[key] = (token, now + hold_s)
            return token

    def unlock(self, key: str, token: str) -> None:
        with self._lock:
            if self._locks.get(key, ("",))[0] == token:
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._items)


def fill_once(cache: ResultCache, key: str, compute: Callable[[], Result], *,
              wait_s: float) -> tuple[Result, bool]:
    """`(result, hit)`: the cached result, or one computed by at most one caller at a time.

    A caller that finds another computing `key` polls for its result; if none comes within
    `wait_s` (the other died, or is slower than this caller's budget) it computes itself.
    The lock also expires after `wait_s`, so a crashed holder blocks nobody for longer.
    """
    deadline = time.monotonic() + wait_s
    pause = _POLL_S[0]
    while True:
        hit = cache.get(key)
        if hit is not None:
            return hit, True
        token = cache.try_lock(key, wait_s)
        if token is not None or time.monotonic() >= deadline:
            break
        time.sleep(pause)
        pause = min(pause * 2, _POLL_S[1])
    try:
        # Filled between our miss and our lock: the holder before us finished.
        hit = cache.get(key) if token is not None else None
        if hit is not None:
            return hit, True
        result = compute()
        cache.put(key, result)
        return result, False
    finally:
        if token is not None:
            cache.unlock(key, token)


def cache_key(database: str, sql: str, max_rows: int | None, version: str) -> str:
    """A fixed-length key for one query on one version of one database."""
    raw = json.dumps([database, sql, max_rows, version], ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def data_version(url: str) -> str:
    """A cheap fingerprint of the data: size and mtime of a database file and its WAL.

    Server databases (PostgreSQL, MySQL) give "" and rely on the TTL alone.
    """
    scheme, _, rest = url.partition("://")
    if scheme not in ("duckdb", "sqlite"):
        return ""
    path = "/" + rest.split("?", 1)[0].lstrip("/") if rest.startswith("/") else rest
    parts = []
    for p in (path, path + ".wal", path + "-wal"):
        try:
            st = os.stat(p)
        except OSError:
            continue
        parts.append(f"{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


class CachedBackend:
    """A Backend whose `run` answers a repeated query from `cache`.

    `on_lookup(hit)` is told about every lookup (metrics, the response's `cached` flag).
    Everything else is the wrapped backend's.
    """

    def __init__(self, inner: Backend, cache: ResultCache, database: str,
                 on_lookup: Callable[[bool], None] | None = None) -> None:
        self.inner, self.cache, self.database = inner, cache, database
        self.dialect, self.url = inner.dialect, inner.url
        self._on_lookup = on_lookup or (lambda hit: None)

    def run(self, sql: str, *, max_rows: int | None = None,
            timeout_ms: int | None = None) -> Result:
        if _VOLATILE.search(sql):
            return self.inner.run(sql, max_rows=max_rows, timeout_ms=timeout_ms)
        key = cache_key(self.database, sql, max_rows, data_version(self.url))
        result, hit = fill_once(
            self.cache, key,
            lambda: self.inner.run(sql, max_rows=max_rows, timeout_ms=timeout_ms),
            wait_s=timeout_ms / 1000 if timeout_ms else _DEFAULT_FILL_WAIT_S)
        self._on_lookup(hit)
        return result

    def close(self) -> None:
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not defined here (limits, pool stats, ...).
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
