"""Competing readings of one mention: ask back, or assume.

Two entities (平安 → 中国平安 or 平安银行) come from linking; two fields of one table
(销量 → 产品销量 or 区域销量) from the plan: `competing_fields` finds a measure the plan
reads whose mention names another numeric column of the same table just as well.

With the policy "ask" the question comes back as a ClarificationNeeded (HTTP 409) that says
`needs_clarification` and carries the enumerated options and a sentence to read aloud;
with "first" the top option is taken, the question re-linked with it, and the answer says
the assumption aloud ("按中国平安理解：…").
"""

from __future__ import annotations

from nl2sql.answer.columns import describe_columns
from nl2sql.catalog.model import Catalog
from nl2sql.errors import ClarificationNeeded
from nl2sql.generate.plan import ColRef, Measure, QueryPlan
from nl2sql.link.schema_slice import SchemaSlice
from nl2sql.text import identifier_words

__all__ = ["POLICIES", "ask_back", "assume", "competing_fields"]

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


def competing_fields(linked: SchemaSlice, plan: QueryPlan | None,
                     catalog: Catalog) -> ClarificationNeeded | None:
    """The question back when a value the plan selects or ranks by was named (by its best
    mention) with a word that fits another measure of the same table as well: numeric,
    not a key (the plan's reading first, so "first" keeps the answer as planned and says
    which field it took)."""
    if plan is None:
        return None
    read = {m.col for m in [*plan.select, *(o.measure for o in plan.order_by)]
            if m.col is not None}
    for ambiguity in linked.ambiguities():
        refs = [ColRef(*option.split(".", 1)) for option in ambiguity.options]
        for chosen in (r for r in refs if r in read and _is_measure(r, catalog)):
            if _best_span(linked, chosen) != (ambiguity.start, ambiguity.end):
                continue  # another word named it better; this one is about something else
            rivals = [r for r in refs if r != chosen and r.table == chosen.table
                      and _is_measure(r, catalog)]
            if rivals:
                labels = [_label(r, catalog, linked.lang) for r in [chosen, *rivals]]
                return ClarificationNeeded(
                    f"'{ambiguity.mention}' may mean {' or '.join(labels)}", labels,
                    mention=ambiguity.mention, kind="field",
                    columns=[f"{r.table}.{r.column}" for r in [chosen, *rivals]])
    return None


def _best_span(linked: SchemaSlice, ref: ColRef) -> tuple[int, int] | None:
    links = [c for c in linked.columns if (c.table, c.column) == (ref.table, ref.column)]
    best = max(links, key=lambda c: (c.score, c.end - c.start), default=None)
    return (best.start, best.end) if best else None


def _is_measure(ref: ColRef, catalog: Catalog) -> bool:
    """A numeric column that is not a key (keys are numbers nobody asks for as a value)."""
    table = catalog.table(ref.table)
    column = table.column(ref.column) if table else None
    if column is None or column.type_class != "number" or column.primary_key:
        return False
    keys = {c for fk in table.foreign_keys for c in fk.columns} if table else set()
    words = identifier_words(column.name)
    return column.name not in keys and not (words and words[-1] in ("id", "key", "code"))


def _label(ref: ColRef, catalog: Catalog, lang: str) -> str:
    plan = QueryPlan((Measure(col=ref),), ref.table)
    return describe_columns(plan, catalog, (ref.column,), lang)[0].label
