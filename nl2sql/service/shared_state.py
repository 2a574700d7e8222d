"""State the service's workers share: cached results, compute locks and rate-limit buckets.

`SharedState` is the interface: a ResultCache (with per-key locks for stampede protection)
plus `take(bucket, rate, burst)` for token buckets. `LocalState` keeps it all in the process
(the default: right for one worker, per-worker with several); `RedisState` keeps it in Redis,
so every worker and pod sees one cache, one lock per key and one bucket per API key.
`open_state(settings)` picks by `NL2SQL_STATE_URL`.

Redis is an optimization and a limiter, not a source of truth: when it cannot be reached,
lookups miss, results are not stored, locks are granted and rate limits admit, each logged,
so the gateway keeps answering from its databases.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import secrets
import threading
from decimal import Decimal
from typing import Any, Protocol

from nl2sql.backends import Result, redact
from nl2sql.errors import ConfigError
from nl2sql.service.auth import TokenBucket
from nl2sql.service.cache import LruTtlCache, ResultCache
from nl2sql.service.logs import log_event
from nl2sql.settings import Settings

__all__ = ["LocalState", "RedisState", "SharedState", "decode_result", "encode_result",
           "open_state"]

log = logging.getLogger("nl2sql.service.state")
_SOCKET_TIMEOUT_S = 0.5  # a slow Redis must not hold a request longer than a cache miss would

# One token bucket in Redis, refilled from the server's clock so workers' clocks don't matter.
_TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = math.min(burst, (tonumber(b[1]) or burst) + (now - (tonumber(b[2]) or now)) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""
# Delete the lock only if this caller still holds it (it may have expired and been retaken).
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class SharedState(ResultCache, Protocol):
    """A result cache with per-key locks, plus token buckets by name."""

    def take(self, bucket: str, rate: float, burst: int) -> float:
        """Spend one token of `bucket`: 0.0 if there was one, else seconds until there is."""

    def close(self) -> None: ...


class LocalState(LruTtlCache):
    """Everything in this process: an LRU result cache, thread locks, token buckets."""

    def __init__(self, size: int, ttl_s: float) -> None:
        super().__init__(size, ttl_s)
        self._buckets: dict[str, TokenBucket] = {}
        self._buckets_lock = threading.Lock()

    def take(self, bucket: str, rate: float, burst: int) -> float:
        with self._buckets_lock:
            b = self._buckets.get(bucket)
            if b is None or (b.rate, b.burst) != (rate, burst):
                b = self._buckets[bucket] = TokenBucket(rate, burst)
        return b.take()

    def close(self) -> None:
        """Nothing to release."""


class RedisState:
    """Results, locks and buckets in Redis under `prefix` (several deployments may share one).

    Results expire after `ttl_s` (Redis' own `maxmemory-policy` bounds their number), locks
    after their hold time, buckets once full again.
    """

    def __init__(self, url: str, ttl_s: float, prefix: str = "nl2sql:") -> None:
        try:
            import redis
        except ImportError as e:
            raise ConfigError("NL2SQL_STATE_URL names Redis, which needs the redis client: "
                              "pip install 'nl2sql[redis]'") from e
        try:
            self._redis = redis.Redis.from_url(
                url, socket_timeout=_SOCKET_TIMEOUT_S, socket_connect_timeout=_SOCKET_TIMEOUT_S)
        except ValueError as e:
            raise ConfigError(f"bad Redis URL {redact(url)}: {e}") from None
        self._errors: tuple[type[Exception], ...] = (redis.RedisError,)
        self.url, self.ttl_s, self.prefix = url, ttl_s, prefix
        self._take = self._redis.register_script(_TAKE)
        self._unlock = self._redis.register_script(_UNLOCK)

    def get(self, key: str) -> Result | None:
        try:
            raw = self._redis.get(self.prefix + "result:" + key)
        except self._errors as e:
            return self._degraded("get", e, None)
        return decode_result(raw) if raw is not None else None

    def put(self, key: str, value: Result) -> None:
        raw = encode_result(value)
        if raw is None:
            return  # a value JSON cannot carry faithfully: not worth a wrong cache hit
        try:
            self._redis.set(self.prefix + "result:" + key, raw, px=max(1, int(self.ttl_s * 1000)))
        except self._errors as e:
            self._degraded("put", e, None)

    def clear(self) -> int:
        """Drop this prefix's cached results; returns how many there were."""
        n = 0
        try:
            batch: list[Any] = []
            for k in self._redis.scan_iter(match=self.prefix + "result:*", count=500):
                batch.append(k)
                if len(batch) == 500:
                    n += int(self._redis.unlink(*batch))
                    batch = []
            if batch:
                n += int(self._redis.unlink(*batch))
        except self._errors as e:
            self._degraded("clear", e, None)
        return n

    def try_lock(self, key: str, hold_s: float) -> str | None:
        token = secrets.token_hex(8)
        try:
            won = self._redis.set(self.prefix + "lock:" + key, token, nx=True,
                                  px=max(1, int(hold_s * 1000)))
        except self._errors as e:
            return self._degraded("lock", e, token)  # compute alone rather than wait on nothing
        return token if won else None

    def unlock(self, key: str, token: str) -> None:
        try:
            self._unlock(keys=[self.prefix + "lock:" + key], args=[token])
        except self._errors as e:
            self._degraded("unlock", e, None)

    def take(self, bucket: str, rate: float, burst: int) -> float:
        try:
            wait = self._take(keys=[self.prefix + "rate:" + bucket], args=[rate, burst])
        except self._errors as e:
            return self._degraded("rate limit", e, 0.0)
        return float(wait)

    def close(self) -> None:
        self._redis.close()

    def _degraded(self, op: str, e: Exception, fallback: Any) -> Any:
        log_event(log, "shared state unavailable", logging.WARNING, op=op,
                  store=redact(self.url), error=type(e).__name__)
        return fallback


def open_state(settings: Settings) -> SharedState:
    """The store `settings.state_url` names: empty for in-process, redis:// or rediss://."""
    url = settings.state_url.strip()
    if not url:
        return LocalState(settings.cache_size, settings.cache_ttl_s)
    if url.split("://", 1)[0].lower() in ("redis", "rediss", "unix"):
        return RedisState(url, settings.cache_ttl_s, settings.state_prefix)
    raise ConfigError(f"NL2SQL_STATE_URL must be empty (in-process) or a redis:// URL, "
                      f"got {redact(url)!r}")


# Tags for the values JSON has no type of its own for; anything else is not cached.
_ENCODERS: tuple[tuple[type, str, Any], ...] = (
    (Decimal, "d", str),
    (dt.datetime, "dt", dt.datetime.isoformat),
    (dt.date, "da", dt.date.isoformat),
    (dt.time, "t", dt.time.isoformat),
    (dt.timedelta, "td", dt.timedelta.total_seconds),
    (bytes, "b", lambda v: base64.b64encode(v).decode()),
)
_DECODERS: dict[str, Any] = {
    "d": Decimal, "dt": dt.datetime.fromisoformat, "da": dt.date.fromisoformat,
    "t": dt.time.fromisoformat, "td": lambda s: dt.timedelta(seconds=s),
    "b": base64.b64decode,
}


class _Unencodable(Exception):
    pass


def _tag(v: Any) -> Any:
    for kind, tag, encode in _ENCODERS:
        if isinstance(v, kind):
            return {tag: encode(v)}
    raise _Unencodable(type(v).__name__)


def encode_result(result: Result) -> bytes | None:
    """The result as JSON bytes, exact types kept; None if a value has no faithful encoding.

    JSON rather than pickle: a shared Redis must never be able to run code in a worker.

    >>> decode_result(encode_result(Result(("x",), [(Decimal("1.50"),)]))).rows
    [(Decimal('1.50'),)]
    """
    if any(isinstance(v, dict) for row in result.rows for v in row):
        return None  # a JSON column's object could collide with the tags above
    body = {"c": list(result.columns), "r": result.rows, "t": result.truncated,
            "e": result.elapsed_ms}
    try:
        return json.dumps(body, default=_tag, ensure_ascii=False,
                          separators=(",", ":")).encode()
    except _Unencodable:
        return None


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        tag, value = next(iter(obj.items()))
        if tag in _DECODERS:
            return _DECODERS[tag](value)
    return obj


def decode_result(raw: bytes | str) -> Result:
    """The Result encode_result wrote."""
    body = json.loads(raw, object_hook=_untag)
    return Result(tuple(body["c"]), [tuple(r) for r in body["r"]], body["t"], body["e"])
