"""A size- and time-bounded map: the storage of the result cache and the plan memo."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["TtlLru"]

V = TypeVar("V")


class TtlLru(Generic[V]):
    """At most `size` values, each kept `ttl_s` seconds; least recently used go first.

    Not thread-safe: a caller sharing one across threads locks around it.

    >>> m = TtlLru[int](size=1, ttl_s=60)
    >>> m.put("a", 1); m.put("b", 2)
    >>> m.get("a") is None, m.get("b")
    (True, 2)
    """

    def __init__(self, size: int, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self.size, self.ttl_s, self._clock = size, ttl_s, clock
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def get(self, key: str) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] <= self._clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return item[1]

    def put(self, key: str, value: V) -> None:
        self._items[key] = (self._clock() + self.ttl_s, value)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> int:
        """Drop every entry; returns how many there were."""
        n = len(self._items)
        self._items.clear()
        return n

    def __len__(self) -> int:
        return len(self._items)
