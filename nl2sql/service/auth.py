"""API keys, roles and per-key rate limits.

    role       may use
    broadcast  ask, databases            (a digital-human backend: questions only)
    analyst    ask, sql, databases       (people who read and edit SQL)
    admin      everything, cache clear

With no keys configured the service is open: every caller is an anonymous admin without a
rate limit (development default). Keys arrive as `Authorization: Bearer <key>` or
`X-API-Key: <key>` and are compared by SHA-256, so the configuration may hold hashes only.
What a key may read is its role's table/column allowlists (setting `role_access`) narrowed
by the key's own `tables`, `columns` and `tenant` (nl2sql.guard.access); the guard enforces it.
The errors below extend nl2sql.errors' tree for the HTTP edge:

    Nl2SqlError
    ├── Unauthorized  401  no key, or an unknown one
    ├── Forbidden     403  the key's role may not do this
    └── RateLimited   429  the key is over its rate; carries retry_after_s
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from nl2sql.errors import ConfigError, Forbidden, RateLimited, Unauthorized
from nl2sql.guard.access import Access

__all__ = [
    "ANONYMOUS",
    "ROLES",
    "ApiKey",
    "KeyRing",
    "TokenBucket",
]

ROLES: dict[str, frozenset[str]] = {
    "broadcast": frozenset({"ask", "databases"}),
    "analyst": frozenset({"ask", "sql", "databases"}),
    "admin": frozenset({"ask", "sql", "databases", "cache"}),
}
_KEY_FIELDS = {"role", "rate_per_s", "burst", "name", "tables", "columns", "tenant"}
_ACCESS_FIELDS = ("tables", "columns", "tenant")


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; `take()` says how long to wait.

    >>> b = TokenBucket(rate=1, burst=1, clock=lambda: 0.0)
    >>> b.take(), b.take()
    (0.0, 1.0)
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens, self._last = float(burst), clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Spend one token: 0.0 if there was one, else the seconds until there is."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate


@dataclass(frozen=True)
class ApiKey:
    """One configured key, by the name logs and metrics use (never the key itself)."""

    name: str
    role: str
    rate_per_s: float = 0.0  # 0: no limit
    burst: int = 1
    bucket: TokenBucket | None = field(default=None, compare=False, repr=False)
    access: Access | None = None  # tables, columns and rows it may read; None: everything

    def may(self, action: str) -> bool:
        return action in ROLES[self.role]


ANONYMOUS = ApiKey("anonymous", "admin")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _parse_key(key: str, spec: Any, roles: Mapping[str, Access]) -> tuple[str, ApiKey]:
    if not isinstance(spec, Mapping):
        raise ConfigError(f"api_keys: the value for a key must be an object, got {spec!r}")
    unknown = set(spec) - _KEY_FIELDS
    if unknown:
        raise ConfigError(f"api_keys: unknown field(s) {sorted(unknown)}; known: "
                          f"{sorted(_KEY_FIELDS)}")
    role = spec.get("role")
    if role not in ROLES:
        raise ConfigError(f"api_keys: role must be one of {sorted(ROLES)}, got {role!r}")
    digest = key.removeprefix("sha256:").lower() if key.startswith("sha256:") else _digest(key)
    if len(digest) != 64 or not key:
        raise ConfigError("api_keys: a sha256: key needs 64 hex digits")
    rate = spec.get("rate_per_s", 0)
    if not isinstance(rate, int | float) or rate < 0:
        raise ConfigError(f"api_keys: rate_per_s must be a number >= 0, got {rate!r}")
    burst = spec.get("burst", max(1, math.ceil(rate)))
    if not isinstance(burst, int) or burst < 1:
        raise ConfigError(f"api_keys: burst must be an integer >= 1, got {burst!r}")
    name = str(spec.get("name") or f"key-{digest[:8]}")
    bucket = TokenBucket(float(rate), burst) if rate else None
    access = _narrowed(roles.get(role), Access.parse(
        {k: spec[k] for k in _ACCESS_FIELDS if k in spec}, f"api_keys[{name}]"))
    return digest, ApiKey(name, role, float(rate), burst, bucket, access)


def _role_access(spec: Mapping[str, Any]) -> dict[str, Access]:
    """`role_access` settings: per role, the tables and columns its keys may read."""
    unknown = set(spec) - set(ROLES)
    if unknown:
        raise ConfigError(f"role_access: unknown role(s) {sorted(unknown)}; roles: {sorted(ROLES)}")
    return {r: Access.parse(s, f"role_access[{r}]", tenant=False) for r, s in spec.items()}


def _narrowed(role: Access | None, key: Access) -> Access | None:
    access = key.narrow(role) if role is not None else key
    return None if access.unrestricted else access


class KeyRing:
    """The configured keys; `authorize` turns a presented key into an ApiKey or an error."""

    def __init__(self, keys: Mapping[str, Any],
                 take: Callable[[str, float, int], float] | None = None,
                 role_access: Mapping[str, Any] | None = None) -> None:
        """`take(bucket, rate, burst)` keeps the buckets where all workers see them
        (nl2sql.service.shared_state); without it each key's bucket lives in this process.
        `role_access` holds each role's table and column allowlists (nl2sql.guard.access)."""
        roles = _role_access(role_access or {})
        self._by_digest = dict(_parse_key(k, v, roles) for k, v in keys.items())
        self._take = take
        self._anonymous = replace(ANONYMOUS, access=roles.get(ANONYMOUS.role))

    @property
    def open(self) -> bool:
        """No keys configured: nobody is asked for one."""
        return not self._by_digest

    def authorize(self, presented: str | None, action: str) -> ApiKey:
        """The caller's key if it may do `action` now; raises Unauthorized/Forbidden/RateLimited."""
        if self.open:
            return self._anonymous
        if not presented:
            raise Unauthorized("an API key is required: send 'Authorization: Bearer <key>' "
                               "or 'X-API-Key: <key>'")
        digest = _digest(presented)
        key = self._by_digest.get(digest)
        if key is None:
            raise Unauthorized("unknown API key")
        if not key.may(action):
            raise Forbidden(f"role {key.role!r} may not use {action}",
                            role=key.role, allowed=sorted(ROLES[key.role]))
        if key.bucket is not None:
            wait = (self._take(digest, key.rate_per_s, key.burst) if self._take
                    else key.bucket.take())
            if wait > 0:
                raise RateLimited(f"rate limit of {key.rate_per_s:g}/s exceeded for this key",
                                  retry_after_s=round(wait, 3))
        return key
