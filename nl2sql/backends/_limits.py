"""What every backend shares: the limits (slots, deadlines, row caps) and file URLs.

`LimitedBackend.run` owns the contract of the `Backend` protocol (defaults, concurrency
slots, row cap, timing); a concrete backend only implements `_execute` and `_close`.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

from nl2sql.backends.base import Result, redact
from nl2sql.errors import BackendBusy, ConfigError, ExecutionError, InputError, QueryTimeout

__all__ = [
    "WATCHDOG",
    "IdlePool",
    "LimitedBackend",
    "Limits",
    "Slots",
    "Watchdog",
    "capped",
    "column_names",
    "file_path",
    "timed_out",
]

T = TypeVar("T")
Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class Limits:
    """The per-backend limits; each mirrors a setting in nl2sql.settings."""

    max_concurrency: int = 8
    queue_timeout_ms: int = 2000
    statement_timeout_ms: int = 10000
    max_rows: int = 1000
    max_result_bytes: int = 8_388_608

    def __post_init__(self) -> None:
        for name, low in (("max_concurrency", 1), ("queue_timeout_ms", 0),
                          ("statement_timeout_ms", 1), ("max_rows", 0),
                          ("max_result_bytes", 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < low:
                raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")


class Slots:
    """At most `size` queries in flight; a caller waiting longer than `wait_ms` gets BackendBusy."""

    def __init__(self, size: int, wait_ms: int, label: str) -> None:
        self._sem = threading.BoundedSemaphore(size)
        self._size, self._wait_ms, self._label = size, wait_ms, label

    @contextmanager
    def hold(self) -> Iterator[None]:
        if not self._sem.acquire(timeout=self._wait_ms / 1000):
            raise BackendBusy(
                f"{self._size} queries already running on {self._label}; no slot freed "
                f"within {self._wait_ms} ms",
                retry_after_s=max(1.0, self._wait_ms / 1000),
            )
        try:
            yield
        finally:
            self._sem.release()


class IdlePool(Generic[T]):
    """Idle connections kept for reuse; `Slots` bounds how many exist at once."""

    def __init__(self, open_: Callable[[], T], close: Callable[[T], Any]) -> None:
        self._open, self._close = open_, close
        self._idle: list[T] = []
        self._lock = threading.Lock()
        self._closed = False

    def get(self) -> T:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._open()

    def put(self, conn: T) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(conn)
                return
        self.discard(conn)

    def discard(self, conn: T) -> None:
        with suppress(Exception):  # a broken connection may fail to close; it is gone anyway
            self._close(conn)

    def close(self) -> None:
        with self._lock:
            self._closed, idle, self._idle = True, self._idle, []
        for conn in idle:
            self.discard(conn)


class _Alarm:
    __slots__ = ("callback", "state")

    def __init__(self, callback: Callable[[], Any]) -> None:
        self.callback = callback
        self.state = "armed"  # -> "fired" | "disarmed"


class Watchdog:
    """One daemon thread that calls a function when its deadline passes.

    Cheaper than a `threading.Timer` (a thread) per query under hundreds of queries a second.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Alarm]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, delay_s: float, callback: Callable[[], Any]) -> _Alarm:
        alarm = _Alarm(callback)
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + delay_s, next(self._seq), alarm))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="nl2sql-watchdog",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()
        return alarm

    def disarm(self, alarm: _Alarm) -> bool:
        """Stop the alarm; True if it had already fired."""
        with self._cond:
            if alarm.state == "armed":
                alarm.state = "disarmed"
            return alarm.state == "fired"

    def _loop(self) -> None:
        while True:
            with self._cond:
                due = self._next_due()
            if due is not None:
                with suppress(Exception):  # the target may be closed by now
                    due.callback()

    def _next_due(self) -> _Alarm | None:
        # Called with the condition held: waits until the earliest armed alarm is due.
        while self._heap and self._heap[0][2].state != "armed":
            heapq.heappop(self._heap)
        if not self._heap:
            self._cond.wait()
            return None
        deadline, _, alarm = self._heap[0]
        wait = deadline - time.monotonic()
        if wait > 0:
            self._cond.wait(wait)
            return None
        heapq.heappop(self._heap)
        alarm.state = "fired"
        return alarm


WATCHDOG = Watchdog()


def file_path(url: str) -> Path:
    """The existing database file a `duckdb:///` or `sqlite:///` URL names.

    The path after `scheme://` is absolute when it starts with '/' (any number of them,
    so SQLAlchemy's four-slash form works too) and relative to the working directory
    otherwise. A missing file is a ConfigError: opening it would silently create an empty one.

    >>> str(file_path("sqlite:///"))
    Traceback (most recent call last):
    ...
    nl2sql.errors.ConfigError: no database file in URL 'sqlite:///'
    """
    rest = unquote(url.split("://", 1)[-1].split("?", 1)[0])
    if not rest.strip("/"):
        raise ConfigError(f"no database file in URL {redact(url)!r}")
    path = Path("/" + rest.lstrip("/")) if rest.startswith("/") else Path(rest).resolve()
    if not path.is_file():
        raise ConfigError(f"database file not found: {path} (from {redact(url)})", path=str(path))
    return path


def timed_out(timeout_ms: int) -> QueryTimeout:
    return QueryTimeout(f"query timed out after {timeout_ms} ms", timeout_ms=timeout_ms)


def _strip(sql: str) -> str:
    # A trailing ';' breaks statement wrapping (DECLARE ... FOR, SET STATEMENT ... FOR).
    return sql.strip().rstrip(";").rstrip()


class BrokenConnection(Exception):
    """The connection died under the statement (not the statement's fault)."""


class LimitedBackend:
    """The `Backend` contract over a subclass's `_execute`: defaults, slots, row cap, timing."""

    dialect: str = ""

    def __init__(
        self,
        url: str,
        *,
        max_concurrency: int = 8,
        queue_timeout_ms: int = 2000,
        statement_timeout_ms: int = 10000,
        max_rows: int = 1000,
        max_result_bytes: int = 8_388_608,
    ) -> None:
        self.url = url
        self.limits = Limits(max_concurrency, queue_timeout_ms, statement_timeout_ms, max_rows,
                             max_result_bytes)
        self.max_concurrency = max_concurrency
        self._slots = Slots(max_concurrency, queue_timeout_ms, redact(url))
        self._closed = False

    def run(
        self, sql: str, *, max_rows: int | None = None, timeout_ms: int | None = None
    ) -> Result:
        """Execute one statement read-only; at most `max_rows` rows, within `timeout_ms`."""
        cap = self.limits.max_rows if max_rows is None else max_rows
        timeout = self.limits.statement_timeout_ms if timeout_ms is None else timeout_ms
        if cap < 0 or timeout < 1:
            raise InputError(f"max_rows must be >= 0 and timeout_ms >= 1, got {cap}, {timeout}")
        statement = _strip(sql)
        if not statement:
            raise InputError("empty SQL statement")
        if self._closed:
            raise ExecutionError(f"the backend for {redact(self.url)} is closed")
        with self._slots.hold():
            start = time.perf_counter()
            columns, rows = self._execute(statement, cap + 1, timeout)
            elapsed = (time.perf_counter() - start) * 1000
        kept, truncated = capped(rows, cap, self.limits.max_result_bytes)
        return Result(columns, kept, truncated, round(elapsed, 3))

    def close(self) -> None:
        """Release connections; later calls to `run` raise ExecutionError."""
        if not self._closed:
            self._closed = True
            self._close()

    def __enter__(self) -> LimitedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact(self.url)!r})"

    def _execute(self, sql: str, fetch: int, timeout_ms: int) -> tuple[tuple[str, ...], Rows]:
        """Run `sql`, returning column names and at most `fetch` rows."""
        raise NotImplementedError

    def _retry_once(self, attempt: Callable[[], tuple[tuple[str, ...], Rows]]
                    ) -> tuple[tuple[str, ...], Rows]:
        """Run `attempt`; if its connection broke (server restart, idle kill), once more on a
        fresh one. The statement is read-only, so running it again is safe."""
        try:
            return attempt()
        except BrokenConnection:
            pass
        try:
            return attempt()
        except BrokenConnection as e:
            raise ExecutionError(f"lost the connection to {redact(self.url)}: {e}",
                                 reason="connection_lost") from None

    def _close(self) -> None:
        raise NotImplementedError


def capped(rows: Rows, max_rows: int, max_bytes: int) -> tuple[Rows, bool]:
    """The leading rows within both caps, and whether any row was dropped.

    Size is the approximate JSON size of the values (text by length, other values 8 bytes),
    so one wide text column cannot make an answer of a few rows megabytes long.

    >>> capped([(1, "ab"), (2, "cd"), (3, "ef")], 5, 25)
    ([(1, 'ab'), (2, 'cd')], True)
    """
    size = 0
    for i, row in enumerate(rows[:max_rows]):
        size += sum(len(v) + 2 if isinstance(v, str | bytes) else 8 for v in row)
        if size > max_bytes:
            return rows[:i], True
    return rows[:max_rows], len(rows) > max_rows


def column_names(description: Any) -> tuple[str, ...]:
    """Column names from a DB-API cursor description (None for statements without rows)."""
    return tuple(str(d[0]) for d in description or ())
