"""The Backend protocol, the Result it returns, and the registry keyed by URL scheme."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from nl2sql.errors import ConfigError

__all__ = ["Backend", "Result", "open_backend", "redact", "register"]


@dataclass(frozen=True)
class Result:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    elapsed_ms: float = 0.0


class Backend(Protocol):
    """A read-only connection (or pool) to one database.

    `dialect` is the sqlglot dialect name. `run` executes one trusted, already guarded
    statement with a row cap and a statement timeout; it raises ExecutionError (or
    BackendBusy) and never returns an error as a value.
    """

    dialect: str
    url: str

    def run(
        self,
        sql: str,
        *,
        max_rows: int | None = None,
        timeout_ms: int | None = None,
    ) -> Result: ...

    def close(self) -> None: ...


_REGISTRY: dict[str, Callable[..., Backend]] = {}

# File suffixes accepted as bare paths, mapped to a URL scheme.
_SUFFIX_SCHEMES = {".duckdb": "duckdb", ".ddb": "duckdb", ".sqlite": "sqlite", ".db": "sqlite",
                   ".sqlite3": "sqlite"}


def register(*schemes: str) -> Callable[[Callable[..., Backend]], Callable[..., Backend]]:
    """Class decorator: make a backend the opener for these URL schemes."""

    def deco(factory: Callable[..., Backend]) -> Callable[..., Backend]:
        for s in schemes:
            _REGISTRY[s] = factory
        return factory

    return deco


def normalize_url(url: str) -> str:
    """Accept a bare file path (by suffix) as well as a URL.

    >>> normalize_url("/tmp/a.sqlite")
    'sqlite:////tmp/a.sqlite'
    """
    if "://" in url:
        return url
    for suffix, scheme in _SUFFIX_SCHEMES.items():
        if url.endswith(suffix):
            from pathlib import Path

            return f"{scheme}:///{Path(url).resolve()}"
    raise ConfigError(
        f"cannot tell the database kind of {url!r}: use a URL such as duckdb:///f.duckdb, "
        "sqlite:///f.db, postgresql://user@host/db or mysql://user@host/db"
    )


def redact(url: str) -> str:
    """The URL without its password, for logs and responses.

    >>> redact("postgresql://u:secret@h/db")
    'postgresql://u:***@h/db'
    """
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    return f"{scheme}{sep}{creds.split(':', 1)[0]}:***@{host}"


def open_backend(url: str, **options: Any) -> Backend:
    """Open the backend for a URL: duckdb, sqlite, postgresql, mysql (more via SQLAlchemy)."""
    import nl2sql.backends  # noqa: F401  (registers the built-in backends)

    url = normalize_url(url)
    scheme = url.split("://", 1)[0].split("+", 1)[0].lower()
    factory = _REGISTRY.get(scheme)
    if factory is None:
        known = ", ".join(sorted(_REGISTRY))
        raise ConfigError(f"no backend for URL scheme {scheme!r}; known: {known}")
    return factory(url, **options)
