"""Write pairs as JSONL, chat-format JSONL (for supervised fine-tuning) and Parquet.

Parquet goes through DuckDB's COPY (no extra dependency): the JSONL file is read with a
fixed schema, mentions as a list of structs and the plan and options as JSON text.
A sharded run writes `pairs.shard-I-of-N.jsonl`; merge_dir combines a folder's shards into
the files an unsharded run writes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from nl2sql.catalog.model import Catalog
from nl2sql.catalog.summary import table_card
from nl2sql.errors import InputError
from nl2sql.synth.run import merge_pairs

__all__ = ["FORMATS", "chat_record", "merge_dir", "write_outputs"]

FORMATS = ("jsonl", "chat", "parquet")
_SHARD_FILE = re.compile(r"^pairs\.shard-(\d+)-of-(\d+)\.jsonl$")
_PARQUET_COLUMNS = {
    "id": "VARCHAR", "question": "VARCHAR", "sql": "VARCHAR", "dialect": "VARCHAR",
    "db_id": "VARCHAR", "tables": "VARCHAR[]", "difficulty": "VARCHAR", "lang": "VARCHAR",
    "plan": "JSON", "constructs": "VARCHAR[]",
    "mentions": "STRUCT(\"start\" INTEGER, \"end\" INTEGER, \"text\" VARCHAR, \"kind\" VARCHAR, "
                "\"ref\" VARCHAR, \"value\" VARCHAR)[]",
    "label": "VARCHAR", "options": "JSON",
}
_SYSTEM = ("You write one {dialect} SQL query answering the user's question over these tables. "
           "Reply with the SQL only. If the question could mean several columns, reply "
           "CLARIFY: followed by the choices; if the tables cannot answer it, reply "
           "CANNOT_ANSWER.\n\n{cards}")


def chat_record(pair: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    """{"messages": [system with the query's tables, user question, assistant answer]}."""
    tables = pair["tables"] or sorted({o["ref"].split(".")[0] for o in pair["options"]})
    found = [t for t in (catalog.table(name) for name in tables) if t is not None]
    cards = "\n\n".join(table_card(t, catalog) for t in found)
    if pair["label"] == "ambiguous":
        answer = "CLARIFY: " + " | ".join(o["ref"] for o in pair["options"])
    elif pair["label"] == "unanswerable":
        answer = "CANNOT_ANSWER"
    else:
        answer = pair["sql"]
    return {"messages": [
        {"role": "system", "content": _SYSTEM.format(dialect=pair["dialect"], cards=cards)},
        {"role": "user", "content": pair["question"]},
        {"role": "assistant", "content": answer}]}


def _write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def _write_parquet(jsonl: Path, target: Path) -> None:
    columns = ", ".join(f"'{k}': '{v}'" for k, v in _PARQUET_COLUMNS.items())
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM read_json(?, format='newline_delimited', "
                    f"columns={{{columns}}})) TO '{_escape(target)}' (FORMAT parquet)",
                    [str(jsonl)])


def _escape(path: Path) -> str:
    return str(path).replace("'", "''")


def write_outputs(pairs: list[dict[str, Any]], out: Path, catalog: Catalog,
                  formats: Iterable[str] = FORMATS, stem: str = "pairs") -> list[Path]:
    """Write the pairs in each format under `out`; returns the files written."""
    formats = list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise InputError(f"unknown output format(s) {unknown}", expected=list(FORMATS))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    jsonl = out / f"{stem}.jsonl"
    _write_jsonl(jsonl, pairs)
    written.append(jsonl)
    if "chat" in formats:
        chat = out / f"{stem.replace('pairs', 'chat')}.jsonl"
        _write_jsonl(chat, (chat_record(p, catalog) for p in pairs))
        written.append(chat)
    if "parquet" in formats:
        parquet = out / f"{stem}.parquet"
        _write_parquet(jsonl, parquet)
        written.append(parquet)
    return written


def merge_dir(out: Path, n: int, catalog: Catalog, formats: Iterable[str] = FORMATS
              ) -> list[Path]:
    """Merge every `pairs.shard-I-of-N.jsonl` in `out` into the unsharded outputs."""
    shards = sorted(p for p in out.glob("pairs.shard-*-of-*.jsonl") if _SHARD_FILE.match(p.name))
    counts = {_SHARD_FILE.match(p.name).group(2) for p in shards}  # type: ignore[union-attr]
    if not shards or len(counts) != 1 or len(shards) != int(next(iter(counts))):
        raise InputError(f"{out} does not hold one complete set of shard files",
                         found=[p.name for p in shards])
    loaded = [[json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
              for p in shards]
    return write_outputs(merge_pairs(loaded, n), out, catalog, formats)
