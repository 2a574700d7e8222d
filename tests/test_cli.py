"""The `nl2sql` command as a user runs it: help, ask, eval, settings and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nl2sql.cli import main
from tests.paths import BENCH
from tests.shopdb import shop_statements


@pytest.fixture(scope="module")
def shop_url(tmp_path_factory: pytest.TempPathFactory, write_sql) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('cli') / 'shop.duckdb'}"
    write_sql(url, shop_statements())
    return url


def test_help_lists_every_stage() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("demo", "ask", "serve", "eval", "introspect", "settings"):
        assert command in result.output


def test_ask_prints_sql_rows_and_sentence(shop_url: str) -> None:
    result = CliRunner().invoke(main, ["ask", "How many customers are there?", "-d", shop_url])
    assert result.exit_code == 0, result.output
    assert 'COUNT(*)' in result.output and "5" in result.output


def test_ask_json(shop_url: str) -> None:
    result = CliRunner().invoke(main, ["ask", "每个城市有多少个客户", "-d", shop_url, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["tier"] == "parser" and len(body["rows"]) == 3
    assert set(body["timings_ms"]) >= {"link", "generate", "guard", "execute", "answer", "total"}


def test_bad_database_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.duckdb"
    result = CliRunner().invoke(main, ["ask", "how many", "-d", str(missing)])
    assert result.exit_code == 1
    assert "error" in result.output and "Traceback" not in result.output
    assert not missing.exists()


def test_unanswerable_question_exits_nonzero_without_traceback(shop_url: str) -> None:
    result = CliRunner().invoke(main, ["ask", "tell me a joke", "-d", shop_url])
    assert result.exit_code == 1
    assert "cannot_answer" in result.output and "Traceback" not in result.output


def test_eval_last_line_is_ex(tmp_path: Path) -> None:
    preds = tmp_path / "p.jsonl"
    result = CliRunner().invoke(main, [
        "eval", str(BENCH / "spider" / "questions.jsonl"), "--databases",
        str(BENCH / "spider" / "database"), "--db", "concert_singer", "--limit", "10",
        "--predictions", str(preds)])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("EX ") and last.endswith("/10)")
    lines = [json.loads(x) for x in preds.read_text().splitlines()]
    assert len(lines) == 10 and {"id", "sql", "tier", "latency_ms", "error"} <= set(lines[0])


def test_eval_needs_a_database_source() -> None:
    result = CliRunner().invoke(main, ["eval", str(BENCH / "spider" / "questions.jsonl")])
    assert result.exit_code == 2 and "--databases" in result.output


def test_settings_lists_env_vars() -> None:
    result = CliRunner().invoke(main, ["settings"])
    assert result.exit_code == 0
    assert "NL2SQL_MAX_ROWS" in result.output and "NL2SQL_STATEMENT_TIMEOUT_MS" in result.output


def test_bad_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, shop_url: str) -> None:
    monkeypatch.setenv("NL2SQL_MAX_ROWS", "lots")
    result = CliRunner().invoke(main, ["ask", "how many customers", "-d", shop_url])
    assert result.exit_code == 1 and "max_rows" in result.output
