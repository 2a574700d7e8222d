"""Every setting in one place: a default, a help text, an `NL2SQL_*` environment variable.

Precedence: explicit keyword arguments > environment variables > the TOML file named by
`NL2SQL_CONFIG` (top-level keys named as the fields below) > defaults.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from nl2sql.errors import ConfigError

__all__ = ["SECRET_SETTINGS", "Settings", "database_urls", "default_data_dir", "load_settings"]


def default_data_dir() -> Path:
    """Where the demo warehouse and catalogs live unless NL2SQL_DATA_DIR says otherwise."""
    return Path(platformdirs.user_data_dir("nl2sql", appauthor=False))


class _TomlFile(PydanticBaseSettingsSource):
    """Reads the TOML file named by NL2SQL_CONFIG, if any."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = os.environ.get("NL2SQL_CONFIG")
        if not path:
            return {}
        try:
            with open(path, "rb") as f:
                return tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(f"cannot read config file {path}: {e}") from e


class Settings(BaseSettings):
    """Gateway settings. Each field is also the env var NL2SQL_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="NL2SQL_", extra="forbid", frozen=True)

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder for the demo warehouse, catalogs and model artifacts.",
    )
    database: str = Field(
        default="",
        description="Database URL to answer over (duckdb:///f.duckdb, sqlite:///f.db, "
        "postgresql://user@host/db, mysql://user@host/db) or a file path; "
        "empty means the demo warehouse in data_dir.",
    )
    databases: dict[str, str] = Field(
        default_factory=dict,
        description="More databases by name, as a JSON object {name: URL}; a request picks one "
        "with its `database` field. The default database is named `default`.",
    )
    max_rows: int = Field(
        default=1000, ge=1, description="Most rows returned per answer; more sets truncated=true."
    )
    statement_timeout_ms: int = Field(
        default=10_000, ge=1, description="Per-statement time limit enforced by the backend."
    )
    deadline_ms: int = Field(
        default=5_000, ge=1, description="Default end-to-end deadline of one question."
    )
    max_concurrency: int = Field(
        default=8, ge=1, description="Queries in flight per backend; more wait in a queue."
    )
    queue_timeout_ms: int = Field(
        default=2_000, ge=0, description="How long a query may wait for a slot before a 503."
    )
    value_index_limit: int = Field(
        default=200,
        ge=0,
        description="Distinct values kept per low-cardinality text column for value linking.",
    )
    sample_rows: int = Field(
        default=10_000, ge=1,
        description="Rows read per table when profiling where engine statistics don't cover it.",
    )
    introspect_workers: int = Field(
        default=2, ge=1, description="Tables profiled at once during introspection."
    )
    profile_budget_ms: int = Field(
        default=5_000, ge=1, description="Time limit of one table's profiling query."
    )
    as_of: dt.date | None = Field(
        default=None,
        description="The day questions are asked on (今天, 上个交易日 and last month count from "
        "it), as YYYY-MM-DD; empty: today, or the demo's last trading day for the demo.",
    )
    retrieval_min_tables: int = Field(
        default=50, ge=1,
        description="Catalogs with more tables than this are narrowed by table retrieval "
        "(BM25 over names, comments, values) before linking each question.",
    )
    retrieval_k: int = Field(
        default=10, ge=1, le=100, description="Tables kept per question by table retrieval."
    )
    host: str = Field(default="127.0.0.1", description="Address `nl2sql serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `nl2sql serve` binds to.")
    cache_size: int = Field(
        default=1024, ge=0,
        description="Query results kept by the service's in-process LRU cache; 0 turns it off.",
    )
    cache_ttl_s: float = Field(
        default=60.0, ge=0,
        description="Seconds a cached result is served; a changed database file also "
        "invalidates it; 0 turns the cache off.",
    )
    api_keys: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='API keys as JSON {key: {"role": "analyst"|"broadcast"|"admin", '
        '"rate_per_s": N, "burst": N, "name": label}}; a key may be written "sha256:<hex>". '
        "Empty: no key is asked for (development only).",
    )
    log_format: str = Field(
        default="json", pattern="^(json|text)$",
        description="Service log lines: json (one object per line, with request_id) or text.",
    )
    max_body_bytes: int = Field(
        default=1_048_576, ge=1, description="Largest HTTP request body accepted; more is a 413."
    )
    shutdown_grace_s: float = Field(
        default=30.0, ge=0,
        description="On shutdown, how long in-flight requests may finish before connections close.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlFile(settings_cls)

    def introspect_options(self) -> dict[str, Any]:
        """Keyword arguments for nl2sql.catalog.introspect from these settings."""
        return {"value_index_limit": self.value_index_limit, "sample_rows": self.sample_rows,
                "workers": self.introspect_workers,
                "profile_budget_ms": self.profile_budget_ms}

    @property
    def demo_path(self) -> Path:
        """The default demo warehouse file."""
        return self.data_dir / "demo" / "trading.duckdb"

    @property
    def database_url(self) -> str:
        """The configured database, or the demo warehouse when none is set."""
        return self.database or f"duckdb:///{self.demo_path}"


# Settings whose values are credentials: never printed.
SECRET_SETTINGS = frozenset({"api_keys"})


def database_urls(settings: Settings) -> dict[str, str]:
    """Every database a request may name: `default` plus the configured ones."""
    return {"default": settings.database_url, **settings.databases}


def load_settings(**overrides: Any) -> Settings:
    """Settings from overrides, env and config file; a bad value is a ConfigError."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from e
