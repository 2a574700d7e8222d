"""Result to answer: rows plus a short zh/en sentence built only from result values."""

from __future__ import annotations

from nl2sql.answer.render import Answer, format_value, sentence

__all__ = ["Answer", "format_value", "sentence"]
