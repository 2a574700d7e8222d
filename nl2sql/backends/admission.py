"""Admission in front of a backend: a concurrency limit, a bounded queue, deadlines.

A request that cannot start in time is refused at once (BackendBusy, a 503 with
Retry-After) instead of waiting to fail: when the line is full, or when the line ahead of it,
at the recently observed service time, would outlast its wait budget. Overload is thus
answered in microseconds, memory stays bounded (at most `running + waiting` requests inside),
and nothing is dropped silently: each request either runs or gets an answer saying retry.

One instance lives on one event loop; `acquire` and `release` are called from it only.
`on_change(busy, queued)` is told the new counts after each change (metrics gauges).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

from nl2sql.errors import BackendBusy, ConfigError

__all__ = ["Admission", "Door"]

# Weight of the newest sample in the moving average of slot hold times.
_ALPHA = 0.1


class Admission:
    """At most `running` holders at once, at most `waiting` in line, none waiting too long."""

    def __init__(self, running: int, waiting: int, wait_ms: int, label: str,
                 on_change: Callable[[int, int], None] | None = None) -> None:
        if running < 1 or waiting < 0 or wait_ms < 0:
            raise ConfigError(f"admission needs running >= 1, waiting >= 0, wait_ms >= 0; got "
                              f"{running}, {waiting}, {wait_ms}")
        self.running, self.waiting, self.wait_ms, self.label = running, waiting, wait_ms, label
        self._free = running
        self._line: deque[asyncio.Future[None]] = deque()
        self.hold_s = 0.0  # moving average of how long a holder keeps its slot
        self._on_change = on_change or (lambda busy, queued: None)

    @property
    def queued(self) -> int:
        """Requests waiting in line now."""
        return len(self._line)

    @property
    def busy(self) -> int:
        """Slots held now."""
        return self.running - self._free

    async def acquire(self, budget_ms: float) -> float:
        """Wait for a slot for at most min(wait_ms, budget_ms); returns the monotonic start.

        Raises BackendBusy at once when the line is full or could not clear in time.
        """
        if self._free > 0 and not self.queued:
            self._free -= 1
            self._on_change(self.busy, 0)
            return time.monotonic()
        wait_s = max(0.0, min(self.wait_ms, budget_ms) / 1000)
        expected_s = (self.queued + 1) * self.hold_s / self.running
        if self.queued >= self.waiting or expected_s > wait_s:
            raise self._busy(expected_s, f"{self.queued} waiting")
        ticket = asyncio.get_running_loop().create_future()
        self._line.append(ticket)
        self._on_change(self.busy, self.queued)
        try:
            async with asyncio.timeout(wait_s):
                await ticket
        except BaseException as e:  # timed out, or the caller went away while in line
            if ticket.done() and not ticket.cancelled():
                self.release()  # the slot was handed over just as the wait ended
            elif ticket in self._line:
                self._line.remove(ticket)
                self._on_change(self.busy, self.queued)
            if isinstance(e, TimeoutError):
                raise self._busy(expected_s, f"no slot freed within {wait_s * 1000:.0f} ms"
                                 ) from None
            raise
        return time.monotonic()

    def release(self, started: float | None = None) -> None:
        """Give the slot to the first request still in line, or back to the pool."""
        if started is not None:
            self.hold_s += _ALPHA * ((time.monotonic() - started) - self.hold_s)
        while self._line:
            ticket = self._line.popleft()
            if not ticket.done():  # skip one whose waiter is being cancelled right now
                ticket.set_result(None)
                self._on_change(self.busy, self.queued)
                return
        self._free += 1
        self._on_change(self.busy, self.queued)

    def _busy(self, expected_s: float, why: str) -> BackendBusy:
        return BackendBusy(
            f"{self.label} is at capacity ({self.running} running, {why}); retry later",
            retry_after_s=max(1, math.ceil(expected_s)))


class Door:
    """A cap on requests inside the service at once, checked before a request is even read.

    Admission refuses in microseconds, but only after the web framework has routed the
    request, parsed and validated its body and resolved the caller: under a crowd of a
    thousand clients that work, done for every refusal, is what makes refusals slow. The door
    counts the requests past it and turns away the one over `limit` (the requests all
    admission lines together can hold, running and waiting) before any of that.

    A refusal also says when to come back, spread so that at most `retry_per_s` refused
    requests are told the same second: a crowd told "1 second" all at once returns all at
    once, and the next wave of refusals queues behind itself. Retry-After is whole seconds,
    so the first `retry_per_s` refusals of a burst get 1, the next 2, and so on.
    """

    def __init__(self, limit: int, label: str, retry_per_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or retry_per_s <= 0:
            raise ConfigError(f"the door needs limit >= 1 and retry_per_s > 0, got {limit}, "
                              f"{retry_per_s}")
        self.limit, self.label, self.retry_per_s, self.inside = limit, label, retry_per_s, 0
        self._clock = clock
        self._last_retry = 0.0  # when the latest refused request was told to come back

    def enter(self) -> bool:
        """Let one more request in, if there is room; it must `leave()` when done."""
        if self.inside >= self.limit:
            return False
        self.inside += 1
        return True

    def leave(self) -> None:
        self.inside -= 1

    def refusal(self) -> BackendBusy:
        """The answer to a request turned away, with its own time to come back.

        >>> door = Door(1, "test", retry_per_s=2, clock=lambda: 100.0)
        >>> [door.refusal().retry_after_s for _ in range(5)]
        [1, 1, 2, 2, 3]
        """
        now = self._clock()
        self._last_retry = max(now + 1, self._last_retry + 1 / self.retry_per_s)
        return BackendBusy(f"{self.label} is at capacity ({self.inside} requests inside); "
                           "retry later", retry_after_s=math.floor(self._last_retry - now))
