"""The service's Gateways, one per configured database, opened on first use.

`use()` counts requests inside a gateway so that `close()` can let them finish (up to a
grace period) before the backends go: a rolling restart must not cut a query in half.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from nl2sql.backends import Backend
from nl2sql.errors import BackendBusy, InputError
from nl2sql.pipeline import Gateway
from nl2sql.settings import Settings, database_urls

__all__ = ["Gateways"]

Wrap = Callable[[str, Backend], Backend]


class Gateways:
    """Open a Gateway per database on first use (introspection is the costly part)."""

    def __init__(self, settings: Settings, wrap: Wrap | None = None) -> None:
        self.settings = settings
        self.urls = database_urls(settings)
        self._wrap = wrap
        self._open: dict[str, Gateway] = {}
        self._lock = threading.Lock()  # guards _open; opening may take seconds
        self._busy = threading.Condition()
        self._in_use = 0
        self._closing = False

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
        name = name or "default"
        if name not in self.urls:
            raise InputError(f"unknown database {name!r}", known=sorted(self.urls))
        with self._lock:
            if name not in self._open:
                gateway = Gateway.open(self.urls[name], self.settings)
                if self._wrap is not None:
                    gateway.backend = self._wrap(name, gateway.backend)
                self._open[name] = gateway
            return name, self._open[name]

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
        return cut
