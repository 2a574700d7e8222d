"""Every setting is declared with help text, documented in README, and validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from nl2sql.errors import ConfigError
from nl2sql.settings import Settings, load_settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_setting_has_help_and_is_in_readme(name: str) -> None:
    assert Settings.model_fields[name].description, f"{name} has no help text"
    assert f"NL2SQL_{name.upper()}" in README, f"NL2SQL_{name.upper()} is not in README.md"


def test_env_and_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "nl2sql.toml"
    cfg.write_text('max_rows = 7\nstatement_timeout_ms = 1234\n', encoding="utf-8")
    monkeypatch.setenv("NL2SQL_CONFIG", str(cfg))
    monkeypatch.setenv("NL2SQL_MAX_ROWS", "9")
    s = load_settings()
    assert (s.max_rows, s.statement_timeout_ms) == (9, 1234)  # env beats the file
    assert load_settings(max_rows=3).max_rows == 3  # explicit beats env


def test_bad_values_are_config_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="max_rows"):
        load_settings(max_rows=0)
    with pytest.raises(ConfigError, match="unknown_setting"):
        load_settings(unknown_setting=1)
    bad = tmp_path / "bad.toml"
    bad.write_text("max_rows = [", encoding="utf-8")
    monkeypatch.setenv("NL2SQL_CONFIG", str(bad))
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings()
