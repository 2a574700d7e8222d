"""What a table or column is called, in Chinese and English, for writing questions.

Names come from the bilingual comment (`中文 | English | unit`), from the identifier's
words, from a glossary of common schema words (so a schema named in English still gets
Chinese questions) and from the lexicon's synonym groups (成交额 → 成交金额, 交易额).

>>> from nl2sql.catalog.model import Column, Table
>>> t = Table("daily_bar", (Column("amount", "DECIMAL", comment="成交额 | Turnover amount | 元"),))
>>> names = column_names(t, t.columns[0])
>>> names.zh, names.en, names.unit
(('成交额', '成交金额', '交易额'), ('turnover amount', 'amount'), '元')
>>> table_names(Table("singer_in_concert", ())).en, table_names(Table("singer", ())).zh
(('singer in concerts',), ('歌手',))
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from nl2sql.assets import asset_path
from nl2sql.catalog.model import Column, Table
from nl2sql.catalog.summary import parse_comment
from nl2sql.lexicon import load_lexicon
from nl2sql.text import has_cjk, identifier_words

__all__ = ["Names", "column_names", "plural", "table_names"]


@dataclass(frozen=True)
class Names:
    """Ways to say one schema object, best first; `en1` are English singulars (tables)."""

    zh: tuple[str, ...]
    en: tuple[str, ...]
    unit: str = ""
    en1: tuple[str, ...] = ()

    def of(self, lang: str) -> tuple[str, ...]:
        return self.zh if lang == "zh" else self.en


@cache
def _glossary() -> dict[str, object]:
    with open(asset_path("synth_queries", "glossary.toml"), "rb") as f:
        return tomllib.load(f)


def _translate(words: list[str]) -> str | None:
    """Word-by-word Chinese for an English identifier when every word is known."""
    table = _glossary()["words"]
    assert isinstance(table, dict)
    out = [table.get(w) for w in words]
    return "".join(out) if out and all(out) else None  # type: ignore[arg-type]


def _english(text: str) -> str:
    """Lower case except acronyms (NAV, ID)."""
    return " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in text.split())


def plural(phrase: str) -> str:
    """An English plural of the phrase's last word.

    >>> plural("customer"), plural("company"), plural("stock daily bars"), plural("class")
    ('customers', 'companies', 'stock daily bars', 'classes')
    """
    head, _, last = phrase.rpartition(" ")
    if last.endswith("s") and not last.endswith("ss"):
        return phrase
    if re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    elif last.endswith(("ss", "sh", "ch", "x", "z")):
        last += "es"
    else:
        last += "s"
    return f"{head} {last}" if head else last


def _strip_suffix(text: str, suffixes: list[str], sep: str) -> str:
    for s in suffixes:
        if text.endswith(sep + s if sep else s) and len(text) > len(s) + len(sep):
            return text[: -len(s) - len(sep)].rstrip()
    return text


def _with_synonyms(names: list[str]) -> tuple[str, ...]:
    out = list(names)
    for n in names:
        low = n.lower()
        for group in load_lexicon().synonyms:
            found = [w for w in group if w in low]
            # The longest word found is the one written (跌幅 inside 涨跌幅 is not 跌幅), and
            # twins only shorten or swap: 开盘 -> 开盘价 would turn 开盘点位 into 开盘价点位.
            found = [w for w in found if not any(w != o and w in o for o in found)]
            out += [low.replace(word, other) for word in found
                    for other in group if other != word and word not in other]
    return tuple(dict.fromkeys(n for n in out if n))


def column_names(table: Table, column: Column) -> Names:
    """A column's Chinese and English names, with its unit when the comment gives one."""
    comment = parse_comment(column.comment) if column.comment else None
    words = identifier_words(column.name)
    zh = [comment.zh] if comment and comment.zh else []
    en = [_english(comment.en)] if comment and comment.en else []
    if not zh:
        zh = [_translate(words) or " ".join(words)]
    en.append(" ".join(words))
    unit = comment.unit if comment else ""
    return Names(_with_synonyms(zh), tuple(dict.fromkeys(en)), unit)


def table_names(table: Table) -> Names:
    """A table's nouns: the comment without 信息/明细 endings, and the name's words."""
    suffixes = _glossary()["table_suffixes"]
    assert isinstance(suffixes, dict)
    comment = parse_comment(table.comment) if table.comment else None
    words = identifier_words(table.name)
    zh: list[str] = []
    if comment and comment.zh:
        zh = [_strip_suffix(comment.zh, suffixes["zh"], ""), comment.zh]
    if not zh:
        zh = [_translate(words) or " ".join(words)]
    singular: list[str] = []
    if comment and comment.en and not has_cjk(comment.en):
        singular.append(_strip_suffix(_english(comment.en), suffixes["en"], " "))
    singular.append(" ".join(words))
    singular = list(dict.fromkeys(singular))
    # Synonyms stay off table nouns: 证券营业部 is a branch, not a 股票营业部.
    return Names(tuple(dict.fromkeys(zh)), tuple(plural(s) for s in singular), "",
                 tuple(singular))
