"""Answers still being computed when their deadline came: a holding sentence now, the full
answer later under an id (GET /v1/answers/{id}).

The work itself runs where every question runs (the database's bounded lane); this keeps
the futures of held answers, at most `max_pending` unfinished at once (more is BackendBusy,
so a slow database cannot pile up held work), and each for `ttl_s` seconds to be fetched.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from nl2sql.errors import BackendBusy

__all__ = ["PendingAnswers", "holding_sentence"]

_HOLDING = {"zh": "数据正在查询中，请稍候。",
            "en": "The figures are still being retrieved; please hold on."}


def holding_sentence(lang: str) -> str:
    """The fixed sentence read while an answer is pending (the same every time)."""
    return _HOLDING["zh" if lang == "zh" else "en"]


class PendingAnswers:
    """Held answers by id; used from the event loop only, so no lock is needed."""

    def __init__(self, *, max_pending: int, ttl_s: float) -> None:
        self.max_pending = max_pending
        self.ttl_s = ttl_s
        self._jobs: dict[str, tuple[asyncio.Future[Any], float, Any]] = {}

    def hold(self, future: asyncio.Future[Any], meta: Any = None) -> str:
        """Keep an unfinished answer (and what the caller needs to know of it); its id.
        BackendBusy when too many are unfinished."""
        self._expire()
        if sum(not f.done() for f, _, _ in self._jobs.values()) >= self.max_pending:
            raise BackendBusy(f"{self.max_pending} answers are already pending; the deadline "
                              "passed", retry_after_s=1.0)
        job_id = uuid.uuid4().hex
        self._jobs[job_id] = (future, time.monotonic(), meta)
        return job_id

    def get(self, job_id: str) -> tuple[asyncio.Future[Any], Any] | None:
        """The future and meta of a held answer; None when unknown or expired."""
        self._expire()
        job = self._jobs.get(job_id)
        return (job[0], job[2]) if job else None

    def _expire(self) -> None:
        """Drop finished answers held longer than the TTL."""
        now = time.monotonic()
        for job_id in [k for k, (f, t, _) in self._jobs.items()
                       if f.done() and now - t > self.ttl_s]:
            future = self._jobs.pop(job_id)[0]
            if not future.cancelled():
                future.exception()  # retrieved, so asyncio does not log it as lost
