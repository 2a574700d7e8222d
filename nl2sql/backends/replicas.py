"""Read replicas behind one Backend: reads spread round robin, health checks, failover.

    replicas+postgresql://user@primary:5432,replica1:5432,replica2:5432/db?sslmode=require
    replicas+mysql://root@primary:3306,replica1:3306/db

The first host is the primary, the others replicas; every member shares the user, database
and options. The gateway only reads, so reads go to the healthy replicas in turn and to the
primary only when no replica is healthy. A member whose query fails with an execution error
is probed (a TCP connect, so a dead server is told apart from a bad query at once); a dead
one is skipped, and the query moves on to the next member. A background thread probes every
member every couple of seconds, so a dead member is skipped before traffic finds it and a
recovered one takes reads again. Replica lag is the database's business: a replica serves
what it has.
"""

from __future__ import annotations

import itertools
import socket
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from nl2sql.backends.base import Backend, Result, open_backend, redact, register
from nl2sql.errors import BackendBusy, ConfigError, ExecutionError, QueryTimeout

__all__ = ["ReplicatedBackend", "member_urls"]

CHECK_INTERVAL_S = 2.0  # how often every member is probed
_PROBE_TIMEOUT_S = 1.0
_DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "mysql": 3306, "mariadb": 3306}


def member_urls(url: str) -> list[str]:
    """The primary's URL, then each replica's.

    >>> member_urls("replicas+postgresql://u@p:5432,r1:5433/db?x=1")
    ['postgresql://u@p:5432/db?x=1', 'postgresql://u@r1:5433/db?x=1']
    """
    scheme, sep, rest = url.partition("://")
    wrapper, plus, inner = scheme.partition("+")
    if not sep or not plus or not inner:
        raise ConfigError(f"a replica set URL looks like replicas+postgresql://user@primary,"
                          f"replica1,replica2/db; got {redact(url)!r}")
    userinfo, at, tail = rest.rpartition("@")
    hosts, slash, path = tail.partition("/")
    names = [h.strip() for h in hosts.split(",")]
    if len(names) < 2 or not all(names):
        raise ConfigError(f"a replica set needs a primary and at least one replica: "
                          f"{redact(url)!r}")
    return [f"{inner}://{userinfo}{at}{h}{slash}{path}" for h in names]


@dataclass
class _Member:
    url: str
    backend: Backend | None = None
    healthy: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


# Errors that say the member, not the query, failed (nl2sql.backends: postgres, mysql, _limits).
_MEMBER_DOWN = frozenset({"no_connection", "connection_lost"})


def _reachable(url: str) -> bool:
    """Whether the member's server accepts a TCP connection now."""
    parts = urlsplit(url)
    if not parts.hostname:
        return True  # a Unix socket: let the query tell
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme.split("+", 1)[0], 0)
        socket.create_connection((parts.hostname, port), timeout=_PROBE_TIMEOUT_S).close()
    except (OSError, ValueError):
        return False
    return True


@register("replicas")
class ReplicatedBackend:
    """One primary and its replicas as one read-only Backend (see the module docstring)."""

    def __init__(self, url: str, check_interval_s: float = CHECK_INTERVAL_S,
                 **options: Any) -> None:
        self.url = url
        self._options = options
        self._members = [_Member(u) for u in member_urls(url)]
        for m in self._members:
            self._revive(m)
        opened = [m.backend for m in self._members if m.backend is not None]
        if not opened:
            raise ExecutionError(f"no member of {redact(url)} is reachable")
        self.dialect = opened[0].dialect
        self._turn = itertools.count()
        self._closed = threading.Event()
        self._checker = threading.Thread(target=self._check_loop, args=(check_interval_s,),
                                         name="nl2sql-replica-check", daemon=True)
        self._checker.start()

    @property
    def healthy(self) -> list[str]:
        """The URLs (redacted) of the members taking reads now."""
        return [redact(m.url) for m in self._members if m.healthy]

    def run(self, sql: str, *, max_rows: int | None = None,
            timeout_ms: int | None = None) -> Result:
        last: ExecutionError | None = None
        for m in self._order():
            if m.backend is None:
                continue
            try:
                return m.backend.run(sql, max_rows=max_rows, timeout_ms=timeout_ms)
            except (QueryTimeout, BackendBusy):
                raise  # the query's or the load's doing: another member would fare the same
            except ExecutionError as e:
                # A server that is up and kept its connection: the error is the query's own.
                # (No connection, or one lost under the query: starting, stopping; next.)
                if e.details.get("reason") not in _MEMBER_DOWN and _reachable(m.url):
                    raise
                m.healthy, last = False, e
        raise ExecutionError(f"no member of {redact(self.url)} could run the query"
                             + (f": {last}" if last else ""))

    def _order(self) -> list[_Member]:
        """Healthy replicas from the next in turn, then the primary; if none is healthy,
        everyone (a member the checker has not caught up with may be back)."""
        primary, replicas = self._members[0], self._members[1:]
        up = [m for m in replicas if m.healthy]
        if up:
            k = next(self._turn) % len(up)
            up = up[k:] + up[:k]
        ordered = up + ([primary] if primary.healthy else [])
        return ordered or list(self._members)

    def _revive(self, m: _Member) -> None:
        """Mark a member healthy if its server answers; open its backend the first time."""
        if not _reachable(m.url):
            m.healthy = False
            return
        with m.lock:
            if m.backend is None:
                try:
                    m.backend = open_backend(m.url, **self._options)
                except ExecutionError:
                    m.healthy = False
                    return
        m.healthy = True

    def _check_loop(self, interval_s: float) -> None:
        while not self._closed.wait(interval_s):
            for m in self._members:
                self._revive(m)

    def close(self) -> None:
        self._closed.set()
        for m in self._members:
            if m.backend is not None:
                m.backend.close()
