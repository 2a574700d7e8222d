"""Competing readings of one mention (平安 → 中国平安 or 平安银行): ask back, or assume.

With the policy "ask" the question comes back as a ClarificationNeeded (HTTP 409) that says
`needs_clarification` and carries the enumerated options and a sentence to read aloud;
with "first" the top option is taken, the question re-linked with it, and the answer says
the assumption aloud ("按中国平安理解：…").
"""

from __future__ import annotations

from nl2sql.errors import ClarificationNeeded

__all__ = ["POLICIES", "ask_back", "assume"]

POLICIES = ("ask", "first")


def ask_back(e: ClarificationNeeded, lang: str) -> ClarificationNeeded:
    """The same question back, with numbered options and a sentence for speech.

    >>> e = ask_back(ClarificationNeeded("x", ["中国平安", "平安银行"], mention="平安"), "zh")
    >>> e.details["prompt"], e.details["choices"][1]
    ('您说的是中国平安，还是平安银行？', {'n': 2, 'value': '平安银行'})
    """
    options = list(e.options)
    if lang == "zh":
        prompt = f"您说的是{'，还是'.join(options)}？"
    else:
        prompt = f"Did you mean {', or '.join(options)}?"
    details = {k: v for k, v in e.details.items() if k != "options"}
    return ClarificationNeeded(e.message, options, **{
        **details, "needs_clarification": True, "prompt": prompt,
        "choices": [{"n": i, "value": v} for i, v in enumerate(options, 1)]})


def assume(text: str, e: ClarificationNeeded) -> tuple[str, str]:
    """The question with its ambiguous mention replaced by the first option, and that option.

    >>> assume("平安最新收盘价", ClarificationNeeded("x", ["中国平安", "平安银行"], mention="平安"))
    ('中国平安最新收盘价', '中国平安')
    """
    choice = e.options[0]
    mention = str(e.details.get("mention") or "")
    if not mention or mention not in text:
        raise e
    return text.replace(mention, choice, 1), choice
