"""Every setting in one place: a default, a help text, an `NL2SQL_*` environment variable.

Precedence: explicit keyword arguments > environment variables > the TOML file named by
`NL2SQL_CONFIG` (top-level keys named as the fields below) > defaults.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

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
    max_queue: int = Field(
        default=64, ge=0,
        description="Requests per database that may wait for a slot beyond those running; "
        "more, or ones that cannot start within their deadline, get a 503 at once.",
    )
    max_result_bytes: int = Field(
        default=8_388_608, ge=1,
        description="Largest result per answer (approximate JSON size of its rows); rows past "
        "it are dropped and truncated=true.",
    )
    columnar_copies: dict[str, str] = Field(
        default_factory=dict,
        description="HTAP: a columnar copy per database name, JSON {name: URL} (name `default` "
        "or one of `databases`); point lookups run on the named (row store) URL, scans and "
        "aggregates on the copy.",
    )
    htap_point_limit: int = Field(
        default=100, ge=1,
        description="HTAP: a key lookup with a LIMIT above this counts as a scan (columnar).",
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
    answer_max_chars: int = Field(
        default=200, ge=40,
        description="Longest answer sentence (for speech); longer results are summarized as "
        "their row count and first rows.",
    )
    default_policy: str = Field(
        default="ask", pattern="^(ask|first)$",
        description="When two entities fit one mention (平安): ask back with the options "
        "(409), or take the first and say the assumption in the answer.",
    )
    hold_on_deadline: bool = Field(
        default=False,
        description="HTTP: when a question's deadline would pass, answer with a holding "
        "sentence and an answer_id (GET /v1/answers/{id}) while the work goes on.",
    )
    pending_answers_max: int = Field(
        default=64, ge=1, description="Held answers that may be unfinished at once; more "
        "get a 503.",
    )
    pending_answer_ttl_s: float = Field(
        default=300.0, gt=0, description="Seconds a held answer is kept to be fetched.",
    )
    retrieval_min_tables: int = Field(
        default=50, ge=1,
        description="Catalogs with more tables than this are narrowed by table retrieval "
        "(BM25 over names, comments, values) before linking each question.",
    )
    retrieval_k: int = Field(
        default=10, ge=1, le=100, description="Tables kept per question by table retrieval."
    )
    auto_train: bool = Field(
        default=True,
        description="`nl2sql serve` fits a plan model in the background for each database "
        "without one (from its own synthetic pairs; kept by schema fingerprint).",
    )
    train_pairs: int = Field(
        default=3000, ge=1,
        description="Synthetic question/SQL pairs `nl2sql train` (and `nl2sql eval`, per "
        "database) generates to fit a database's plan model.",
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
    retry_per_s: float = Field(
        default=250.0, gt=0,
        description="Overload: refused requests told to come back in the same second; "
        "Retry-After spreads the rest over the following seconds so a crowd does not "
        "return all at once.",
    )
    plan_memo_size: int = Field(
        default=4096, ge=0,
        description="Questions whose plan (linked, generated, guarded SQL) the service keeps "
        "per database, so a repeated question skips planning; 0 turns the memo off.",
    )
    plan_memo_ttl_s: float = Field(
        default=300.0, ge=0,
        description="Seconds a remembered plan is reused; a changed database file also "
        "invalidates it; 0 turns the memo off.",
    )
    api_keys: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='API keys as JSON {key: {"role": "analyst"|"broadcast"|"admin", '
        '"rate_per_s": N, "burst": N, "name": label}}; a key may be written "sha256:<hex>". '
        'Optional "tables", "columns" and "tenant" limit what it may read (README: API keys '
        "and roles). Empty: no key is asked for (development only).",
    )
    role_access: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='Per role, what its keys may read, JSON {role: {"tables": [names], '
        '"columns": {table: [names]}}}; absent: everything. A key\'s own limits narrow it.',
    )
    max_plan_cost: float = Field(
        default=0.0, ge=0,
        description="Reject queries whose PostgreSQL planner cost (EXPLAIN total cost) is "
        "above this; 0 turns the check off.",
    )
    max_plan_rows: float = Field(
        default=0.0, ge=0,
        description="Reject queries where any plan step is estimated to produce more rows "
        "than this (EXPLAIN on PostgreSQL and DuckDB); 0 turns the check off.",
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
    state_url: str = Field(
        default="",
        description="Where workers share the result cache, its compute locks and rate limits: "
        "empty keeps them in each process; redis://host:6379/0 shares them across workers "
        "and pods.",
    )
    state_prefix: str = Field(
        default="nl2sql:",
        description="Prefix of every key this deployment writes to the shared state store.",
    )
    model_tier: Literal["off", "fallback", "low_confidence"] = Field(
        default="off",
        description="When questions go to the served model (tier 2): off; fallback (tiers "
        "0/1 cannot answer); low_confidence (also when tier 1's confidence is below "
        "model_min_confidence).",
    )
    model_min_confidence: float = Field(
        default=0.5, ge=0, le=1,
        description="With model_tier=low_confidence, tier-1 answers below this confidence "
        "go to the served model.",
    )
    model_base_url: str = Field(
        default="http://127.0.0.1:8080/v1",
        description="OpenAI-compatible server of the model tier (vLLM, llama.cpp; "
        "`nl2sql model serve` listens on port 8080), up to and including /v1.",
    )
    model_name: str = Field(
        default="local", description="Model name sent to the model server (vLLM: the served "
        "model or LoRA adapter; llama.cpp ignores it).",
    )
    model_api_key: str = Field(
        default="", description="Bearer key for the model server; empty sends none.",
    )
    model_timeout_s: float = Field(
        default=60.0, gt=0, description="Longest one model request may take before it is "
        "retried or given up.",
    )
    model_retries: int = Field(
        default=2, ge=0, description="Further attempts after a failed model request "
        "(connection error, timeout, 429/5xx), with exponential backoff.",
    )
    model_max_concurrency: int = Field(
        default=4, ge=1, description="Model requests in flight per process; more wait.",
    )
    model_max_tokens: int = Field(
        default=256, ge=16, description="Most tokens the model may write per answer.",
    )
    model_repair_rounds: int = Field(
        default=2, ge=0, description="Times a guard or execution error of the model's SQL "
        "is sent back to it for a fix.",
    )
    model_samples: int = Field(
        default=1, ge=1, le=16, description="Self-consistency: SQL samples drawn per question "
        "(temperature 0.7 when above 1); the answer whose result most samples share wins.",
    )
    model_grammar: str = Field(
        default="off", pattern="^(off|llama.cpp|vllm)$",
        description="Constrain the model to SQL over the linked tables' names with a grammar, "
        "sent the way the server takes it: llama.cpp (`grammar`), vllm (structured outputs).",
    )
    model_threads: int = Field(
        default=1, ge=1, description="CPU threads of `nl2sql model serve`; on a shared or "
        "busy machine one thread is fastest (spinning threads wait on each other).",
    )
    model_context: int = Field(
        default=4096, ge=512, description="Context window (tokens) of `nl2sql model serve`.",
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
SECRET_SETTINGS = frozenset({"api_keys", "model_api_key"})


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
