"""Result to answer: rows plus a zh/en sentence for speech built only from result values."""

from __future__ import annotations

from nl2sql.answer.clarify import POLICIES, ask_back, assume, competing_fields
from nl2sql.answer.columns import ColumnSpec, describe_columns
from nl2sql.answer.compose import compose
from nl2sql.answer.context import speech_context, stated_values
from nl2sql.answer.pending import PendingAnswers, holding_sentence
from nl2sql.answer.render import Answer, format_value
from nl2sql.answer.safety import unsupported_numbers
from nl2sql.answer.speech import Context, speak

__all__ = [
    "POLICIES", "Answer", "ColumnSpec", "Context", "PendingAnswers", "ask_back", "assume",
    "competing_fields", "compose", "describe_columns", "format_value", "holding_sentence", "speak",
    "speech_context", "stated_values", "unsupported_numbers",
]
