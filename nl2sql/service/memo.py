"""The plan memo: a question asked again skips link, generate and guard.

A broadcast or a load test repeats the same questions; planning one (link + generate +
guard) costs milliseconds of CPU, serving a remembered plan microseconds. The memo keeps the
plan only, never rows: the query still runs through the backend (and its result cache), so
answers are exactly as fresh as without the memo.

A plan is remembered under everything that shapes it: the question (spacing collapsed), the
database, the day questions are asked on, the ambiguity policy, what the caller may read
(its tables, columns and tenant rows, so one tenant's plan never serves another), and the
data version of the database file(s), so a rewritten file plans afresh.

With a result cache, a repeated query usually returns the very same Result object; the
entry then also keeps the sentence last composed over it (a weak reference to the rows, so
the memo never keeps rows alive), and the same rows get the same sentence without composing
it again. Rows from anywhere else (a miss, a new version, Redis) are composed afresh.

The memo lives on the event loop and is touched from there only, so it needs no lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from nl2sql.backends import Result
from nl2sql.guard import Access
from nl2sql.pipeline import Planned
from nl2sql.service.lru import TtlLru

__all__ = ["PlanMemo", "Remembered", "memo_key"]


@dataclass(eq=False)
class Remembered:
    """A remembered plan, and the sentence last composed with it over one Result."""

    planned: Planned
    _last: tuple[weakref.ref[Result], str] | None = None

    def sentence_for(self, result: Result) -> str | None:
        """The sentence composed over this very Result object, if it was the last one."""
        if self._last is None or self._last[0]() is not result:
            return None
        return self._last[1]

    def composed(self, result: Result, text: str) -> None:
        self._last = (weakref.ref(result), text)


class PlanMemo:
    """At most `size` plans, each kept for `ttl_s` seconds; least recently used go first."""

    def __init__(self, size: int, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self.size, self.ttl_s = size, ttl_s
        self._items = TtlLru[Remembered](size, ttl_s, clock)

    @property
    def enabled(self) -> bool:
        return self.size > 0 and self.ttl_s > 0

    def get(self, key: str) -> Remembered | None:
        return self._items.get(key)

    def put(self, key: str, planned: Planned) -> Remembered:
        entry = Remembered(planned)
        if self.enabled:
            self._items.put(key, entry)
        return entry

    def clear(self) -> int:
        """Forget every plan; returns how many there were."""
        return self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def memo_key(question: str, *, database: str, as_of: dt.date, policy: str,
             access: Access | None, version: str) -> str:
    """The memo key of one question as one caller asks it of one version of one database.

    >>> k = memo_key("a  b", database="d", as_of=dt.date(2026, 1, 2), policy="ask",
    ...              access=None, version="1:2")
    >>> k == memo_key(" a b ", database="d", as_of=dt.date(2026, 1, 2), policy="ask",
    ...               access=None, version="1:2")
    True
    >>> k == memo_key("a b", database="d", as_of=dt.date(2026, 1, 2), policy="ask",
    ...               access=Access(tables=frozenset({"t"})), version="1:2")
    False
    """
    # repr covers every field of Access (allowlists, tenant column, values, shared tables);
    # two equal scopes whose sets happen to print in another order only cost a miss.
    scope = "" if access is None or access.unrestricted else repr(access)
    raw = "\x1f".join((" ".join(question.split()), database, as_of.isoformat(), policy,
                       scope, version))
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
