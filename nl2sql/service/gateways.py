"""The service's Gateways, one per configured database, opened on first use.

`run()` is how the async routes use a gateway: admission first (a concurrency limit, a
bounded queue, deadlines), so an overloaded database is answered before any work is done;
then `ask()` / `run_sql()` split the request by what it costs. Planning (link, generate,
guard) and the answer sentence are CPU-bound Python: they run on the event loop itself,
where they cost what they cost, instead of on worker threads that would fight the loop for
the GIL (each hand-over waits up to the interpreter's switch interval, 5 ms). Only the
database call goes to the database's own bounded thread pool, one thread per slot: DuckDB,
SQLite and PyMySQL calls need a thread anyway, and the async PostgreSQL driver saves little
(benchmarks/pg_pool.py). A question asked again reuses its plan (nl2sql.service.memo).

`use()` counts requests inside a gateway so that `close()` can let them finish (up to a
grace period) before the backends go: a rolling restart must not cut a query in half.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TypeVar

from nl2sql.answer import Answer
from nl2sql.backends import Backend, Result
from nl2sql.backends.admission import Admission
from nl2sql.errors import BackendBusy, ConfigError, InputError
from nl2sql.guard import Access
from nl2sql.pipeline import Gateway, Planned
from nl2sql.service.cache import data_version
from nl2sql.service.memo import PlanMemo, memo_key
from nl2sql.service.metrics import Metrics
from nl2sql.settings import Settings, database_urls

__all__ = ["Gateways"]

log = logging.getLogger(__name__)

T = TypeVar("T")
Wrap = Callable[[str, Backend], Backend]


@dataclass(frozen=True)
class _Lane:
    """Where one database's requests wait and run, and the plans of its questions."""

    admission: Admission
    threads: ThreadPoolExecutor
    memo: PlanMemo


class Gateways:
    """Open a Gateway per database on first use (introspection is the costly part)."""

    def __init__(self, settings: Settings, wrap: Wrap | None = None,
                 metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.urls = database_urls(settings)
        stray = sorted(set(settings.columnar_copies) - set(self.urls))
        if stray:
            raise ConfigError(f"columnar_copies names unknown databases {stray}",
                              known=sorted(self.urls))
        self._wrap = wrap
        self._metrics = metrics or Metrics()
        self._open: dict[str, Gateway] = {}
        self._lock = threading.Lock()  # guards _open; opening may take seconds
        self._busy = threading.Condition()
        self._in_use = 0
        self._closing = False
        self._lanes: dict[str, _Lane] = {}

    def resolve(self, name: str | None) -> str:
        """The configured database a request names (`default` when none)."""
        name = name or "default"
        if name not in self.urls:
            raise InputError(f"unknown database {name!r}", known=sorted(self.urls))
        return name

    async def run(self, name: str, deadline_ms: int | None,
                  work: Callable[[Gateway, int], Awaitable[T]]) -> T:
        """`work(gateway, ms_left)` once admitted; the slot is held until it returns."""
        if self._closing:
            raise BackendBusy("the service is shutting down", retry_after_s=1.0)
        budget = deadline_ms or self.settings.deadline_ms
        lane = self._lane(name)
        arrived = time.monotonic()
        started = await lane.admission.acquire(budget)
        left = max(1, int(budget - (started - arrived) * 1000))
        try:
            if name not in self._open:  # introspection takes seconds: not on the loop,
                await asyncio.to_thread(self._get, name)  # and not on the deadline
            with self.use(name) as (_, gateway):
                return await work(gateway, left)
        finally:
            lane.admission.release(started)

    async def ask(self, name: str, gateway: Gateway, question: str, deadline_ms: int, *,
                  policy: str | None = None, access: Access | None = None) -> Answer:
        """`gateway.ask`, planned on the loop (or remembered), executed on the lane."""
        start = time.perf_counter()
        lane = self._lane(name)
        key = memo_key(question, database=name, as_of=gateway.as_of,
                       policy=policy or self.settings.default_policy, access=access,
                       version=_version(gateway)) if lane.memo.enabled else ""
        entry = lane.memo.get(key) if key else None
        if key:
            self._metrics.observe_memo(entry is not None)
        if entry is None:
            entry = lane.memo.put(key, await self._plan(gateway, question, policy, access))
            timings = dict(entry.planned.timings)
        else:  # the planning stages cost nothing this time; the response keeps its shape
            timings = dict.fromkeys(entry.planned.timings, 0.0)
        result = await self._execute(lane, gateway, entry.planned, start, deadline_ms, timings)
        answer = gateway.answer(question.strip(), entry.planned, result, start=start,
                                timings=timings, text=entry.sentence_for(result))
        entry.composed(result, answer.answer_text)
        return answer

    async def _plan(self, gateway: Gateway, question: str, policy: str | None,
                    access: Access | None) -> Planned:
        """Planning stays on the loop, except when it may wait seconds for the served
        model (model_tier on): then on a thread, so other requests go on meanwhile."""
        if self.settings.model_tier == "off":
            return gateway.plan(question, policy=policy, access=access)
        return await asyncio.to_thread(gateway.plan, question, policy=policy, access=access)

    async def run_sql(self, name: str, gateway: Gateway, sql: str, deadline_ms: int, *,
                      access: Access | None = None) -> Answer:
        """`gateway.run_sql`, guarded on the loop, executed on the lane."""
        start = time.perf_counter()
        planned = gateway.plan_sql(sql, access=access)
        timings = dict(planned.timings)
        result = await self._execute(self._lane(name), gateway, planned, start, deadline_ms,
                                     timings)
        return gateway.answer(sql, planned, result, start=start, timings=timings)

    def clear_memos(self) -> int:
        """Forget every remembered plan; returns how many there were."""
        return sum(lane.memo.clear() for lane in self._lanes.values())

    async def _execute(self, lane: _Lane, gateway: Gateway, planned: Planned, start: float,
                       deadline_ms: int, timings: dict[str, float]) -> Result:
        """The database call on the lane's threads.

        A caller cancelled meanwhile still waits for the thread, so its slot (released by
        `run`) is not handed on while its query runs: never more queries than slots.
        """
        def call() -> Result:
            return gateway.execute(planned, start=start, deadline_ms=deadline_ms,
                                   timings=timings)

        done = asyncio.wrap_future(lane.threads.submit(contextvars.copy_context().run, call))
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            with suppress(BaseException):
                await done
            raise

    def _lane(self, name: str) -> _Lane:
        lane = self._lanes.get(name)
        if lane is None:
            s = self.settings
            lane = self._lanes[name] = _Lane(
                Admission(s.max_concurrency, s.max_queue, s.queue_timeout_ms,
                          f"database {name!r}", self._metrics.lane_watcher(name)),
                ThreadPoolExecutor(s.max_concurrency, thread_name_prefix=f"nl2sql-{name}"),
                PlanMemo(s.plan_memo_size, s.plan_memo_ttl_s))
        return lane

    @contextmanager
    def use(self, name: str | None) -> Iterator[tuple[str, Gateway]]:
        """The named (or default) database's gateway, held open until the block ends."""
        with self._busy:
            if self._closing:
                raise BackendBusy("the service is shutting down", retry_after_s=1.0)
            self._in_use += 1
        try:
            yield self._get(name)
        finally:
            with self._busy:
                self._in_use -= 1
                self._busy.notify_all()

    @property
    def in_use(self) -> int:
        return self._in_use

    def _get(self, name: str | None) -> tuple[str, Gateway]:
        name = self.resolve(name)
        with self._lock:
            if name not in self._open:
                gateway = Gateway.open(self.urls[name], self.settings,
                                       columnar=self.settings.columnar_copies.get(name))
                if self.settings.auto_train and gateway.model is None \
                        and gateway.retriever is None:
                    self._train_later(name, gateway)
                if self._wrap is not None:
                    gateway.backend = self._wrap(name, gateway.backend)
                    if gateway.columnar is not None:
                        gateway.columnar = self._wrap(name, gateway.columnar)
                self._open[name] = gateway
            return name, self._open[name]

    def _train_later(self, name: str, gateway: Gateway) -> None:
        """Fit the database's plan model in the background (`nl2sql train`), then adopt
        it and forget plans made without it. Questions are answered meanwhile."""
        from nl2sql.generate.training import ensure_model

        backend = gateway.backend  # the bare one: training queries skip the result cache

        def train() -> None:
            start = time.perf_counter()
            try:
                ensure_model(gateway, pairs=self.settings.train_pairs, backend=backend)
            except Exception as e:  # noqa: BLE001 - a failed training must not stop serving
                log.warning("training a plan model for %s failed: %s", name, e)
                return
            if name in self._lanes:
                self._lanes[name].memo.clear()
            log.info("plan model for %s ready in %.1f s", name, time.perf_counter() - start)

        threading.Thread(target=train, name=f"train-{name}", daemon=True).start()

    def close(self, grace_s: float = 0.0) -> int:
        """Refuse new requests, wait up to `grace_s` for those in flight, close every backend.

        Returns how many requests were still in flight when the backends closed.
        """
        deadline = time.monotonic() + grace_s
        with self._busy:
            self._closing = True
            while self._in_use and (left := deadline - time.monotonic()) > 0:
                self._busy.wait(left)
            cut = self._in_use
        with self._lock:
            for g in self._open.values():
                g.close()
            self._open.clear()
        self.clear_memos()
        for lane in self._lanes.values():
            lane.threads.shutdown(wait=False)
        return cut


def _version(gateway: Gateway) -> str:
    """The data version of the gateway's database file(s); "" for server databases."""
    urls = [gateway.backend.url] + ([gateway.columnar.url] if gateway.columnar else [])
    return "/".join(data_version(u) for u in urls)
