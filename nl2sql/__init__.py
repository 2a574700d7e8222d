"""nl2sql: a natural-language-to-SQL gateway over analytical databases."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
