"""Synthetic question/SQL pairs from a database's own schema and values (SQL first).

    from nl2sql.synth import synthesize
    for pair in synthesize(catalog, backend, n=1000, seed=0):
        pair.question, pair.sql, pair.mentions

Modules: schema_view (what a table offers), values (real values, bounded reads), sample
(Intents per construct), intent (Intent -> QueryPlan), check (execute, keep, dedup),
verbalize + render (zh/en questions with exact alignments), noise (spoken style), hard
(confusable, ambiguous, unanswerable), hardness (Spider levels), run (units, shards),
export (JSONL, chat JSONL, Parquet).
"""

from __future__ import annotations

from nl2sql.synth.export import FORMATS, chat_record, merge_dir, write_outputs
from nl2sql.synth.hardness import spider_hardness
from nl2sql.synth.record import SynthPair
from nl2sql.synth.render import Mention
from nl2sql.synth.run import Options, merge_pairs, synthesize

__all__ = ["FORMATS", "Mention", "Options", "SynthPair", "chat_record", "merge_dir",
           "merge_pairs", "spider_hardness", "synthesize", "write_outputs"]
