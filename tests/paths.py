"""Where the shared benchmark data lives: `shared/` beside the repository (as in CI)."""

from __future__ import annotations

from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
