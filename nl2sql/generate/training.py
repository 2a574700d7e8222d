"""`nl2sql train`: synthesize a database's own question/SQL pairs and fit its plan model.

Models are files named by the catalog's fingerprint under `<data_dir>/models/`, so a gateway
(or the eval harness) finds the model of exactly the schema it was trained on, and a second
run over the same database starts instantly.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nl2sql.errors import ConfigError, InputError, Nl2SqlError
from nl2sql.generate.learned import PlanModel, catalog_fingerprint
from nl2sql.generate.plan import QueryPlan

if TYPE_CHECKING:
    from nl2sql.backends import Backend
    from nl2sql.catalog.model import Catalog
    from nl2sql.pipeline import Gateway
    from nl2sql.settings import Settings

__all__ = ["ensure_model", "learned_phrases", "load_model", "model_path", "read_pairs",
           "train_model"]

log = logging.getLogger(__name__)


def model_path(settings: Settings, catalog: Catalog) -> Path:
    return settings.data_dir / "models" / f"{catalog_fingerprint(catalog)}.json.gz"


def load_model(settings: Settings, catalog: Catalog) -> PlanModel | None:
    """The trained model of this exact schema, if one was saved."""
    path = model_path(settings, catalog)
    if not path.exists():
        return None
    try:
        return PlanModel.load(path)
    except ConfigError as e:  # an older format or a damaged file: run without, say so
        log.warning("ignoring the plan model: %s", e)
        return None


def learned_phrases(pairs: Iterable[dict[str, Any]]) -> tuple[tuple[str, str, str | None], ...]:
    """The words synthetic questions use for tables and columns (from their alignments),
    as (text, table, column or None): Chinese names of English columns, synonyms."""
    found = set()
    for pair in pairs:
        for m in pair.get("mentions", ()):
            if m.get("kind") in ("table", "column") and m.get("text"):
                table, _, column = str(m["ref"]).partition(".")
                found.add((str(m["text"]), table, column or None))
    return tuple(sorted(found, key=str))


def train_model(gateway: Gateway, pairs: list[dict[str, Any]]) -> PlanModel:
    """Fit the plan model from synthetic pairs (dicts as `nl2sql synth` exports them).

    The names the pairs use are learned first, so each question is linked exactly as the
    gateway links live ones once it adopts the model."""
    phrases = learned_phrases(pairs)
    gateway.learn_names(phrases)
    examples = []
    for pair in pairs:
        if pair.get("label", "answerable") != "answerable" or not pair.get("plan"):
            continue
        try:
            examples.append((gateway.link(pair["question"]), QueryPlan.from_dict(pair["plan"])))
        except Nl2SqlError:
            continue  # a question the linker cannot read teaches nothing
    return PlanModel.train(examples, gateway.catalog, phrases)


def synthesize_pairs(gateway: Gateway, n: int, seed: int,
                     progress: Callable[[int, int], None] | None = None,
                     backend: Backend | None = None) -> list[dict[str, Any]]:
    """n pairs over the gateway's database (through `backend` when given: the service
    passes its bare backend, so training queries stay out of the result cache)."""
    from nl2sql.synth.run import synthesize

    return [p.to_dict() for p in synthesize(gateway.catalog, backend or gateway.backend, n=n,
                                            seed=seed, progress=progress)]


def ensure_model(gateway: Gateway, *, pairs: int, seed: int = 0,
                 progress: Callable[[int, int], None] | None = None,
                 backend: Backend | None = None) -> PlanModel:
    """The gateway's model, adopted: the saved one (`load_model`), else synthesized,
    trained and saved."""
    model = load_model(gateway.settings, gateway.catalog)
    if model is None:
        model = train_model(gateway, synthesize_pairs(gateway, pairs, seed, progress, backend))
        model.save(model_path(gateway.settings, gateway.catalog))
    gateway.adopt(model)
    return model


def read_pairs(path: Path) -> list[dict[str, Any]]:
    """Pairs from a JSONL file `nl2sql synth` wrote."""
    try:
        with path.open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read synthetic pairs from {path}: {e}") from e
