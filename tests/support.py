"""Small test doubles shared by several test modules."""

from __future__ import annotations

from nl2sql.backends import Backend, Result


class CountingBackend:
    """A backend wrapper that records every statement."""

    def __init__(self, inner: Backend) -> None:
        self.inner, self.dialect, self.url = inner, inner.dialect, inner.url
        self.calls: list[str] = []

    def run(self, sql: str, *, max_rows: int | None = None, timeout_ms: int | None = None) -> Result:
        self.calls.append(sql)
        return self.inner.run(sql, max_rows=max_rows, timeout_ms=timeout_ms)

    def close(self) -> None:
        self.inner.close()
