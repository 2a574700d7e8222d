"""Locate the top-level asset folders (schema/, synth_queries/) in a wheel or a source tree."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from nl2sql.errors import ConfigError

__all__ = ["asset_path"]


def asset_path(*parts: str) -> Path:
    """Path of an asset such as asset_path("synth_queries", "lexicon.toml").

    Wheels carry the folders under nl2sql/_assets (hatch force-include); an editable install
    or a source checkout has them next to the package directory.
    """
    packaged = Path(str(resources.files("nl2sql"))) / "_assets"
    for root in (packaged, Path(__file__).resolve().parent.parent):
        path = root.joinpath(*parts)
        if path.exists():
            return path
    raise ConfigError(f"asset {'/'.join(parts)} not found; is the package installed completely?")
