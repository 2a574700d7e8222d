"""What retrieval reads of a table: the terms of each field, compound words split, copies grouped.

A table has fields: its name (without a leading copy of its schema's name), its comment
(zh and en halves), its schema, and per column the column's name and comment halves.
Identifiers glued from other words of the catalog (`paperkeyphrase`, `checkin`) also
yield their parts, so "papers with a keyphrase" finds them. Copies of a table (`_bak`,
`_his`, `_2023`, `_20230630`, `_v2` with mostly the same columns) form one group, so
that retrieval can show one table per group and name the copies beside it.

A column's whole names (its identifier, each comment half) are also kept as phrase keys
(`first_nam`, `收盘价`): a question naming a column exactly is stronger evidence than one
sharing a word with a longer column name (`year` vs `total_manage_years`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from nl2sql.catalog.model import Table
from nl2sql.link.analyze import analyze, comment_parts
from nl2sql.text import has_cjk, normalize, stem

__all__ = ["Analyzer", "Field", "FieldKind", "column_keys", "copy_groups", "name_terms",
           "phrase_key", "question_keys"]

FieldKind = Literal["name", "comment", "schema", "column"]
_MIN_PART = 3  # shortest part of a compound identifier
_MIN_COMPOUND = 6
_AGENT = ("er", "or")  # agent-noun suffixes: teacher, visitor, singer
_MIN_STEM = 4
_COPY_SUFFIX = re.compile(
    r"(?:_(?:bak|backup|bk|old|tmp|temp|his|hist|history|copy|new|snapshot|v\d+|\d{4}|\d{6}|\d{8}))+$",
    re.I)
_COPY_OVERLAP = 0.6  # share of columns a copy has in common with its base
MAX_PHRASE_WORDS = 3  # longest column name, in words, matched as a phrase
MAX_PHRASE_CJK = 8  # ... in Chinese characters
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


@dataclass(frozen=True)
class Field:
    kind: FieldKind
    target: str  # the table's name, or table.column
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Analyzer:
    """`analyze` plus the parts of the catalog's compound identifiers."""

    splits: dict[str, tuple[str, ...]]
    # stem of a verb -> agent nouns of the catalog: teach -> (teacher,), visit -> (visitor,)
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, tables: Sequence[Table]) -> Analyzer:
        words: set[str] = set()
        for t in tables:
            for text in _texts(t):
                words.update(w for w in analyze(text) if w.isalpha())
        derived: dict[str, list[str]] = defaultdict(list)
        for w in sorted(words):
            for suffix in _AGENT:
                if w.endswith(suffix) and len(w) - len(suffix) >= _MIN_STEM:
                    derived[stem(w[:-len(suffix)])].append(w)
        return cls({w: parts for w in words if (parts := _split(w, words))},
                   {k: tuple(v) for k, v in derived.items()})

    def terms(self, text: str) -> tuple[str, ...]:
        """The text's terms, each compound followed by its parts."""
        out: list[str] = []
        for t in analyze(text):
            out.append(t)
            out += self.splits.get(t, ())
        return tuple(out)

    def fields(self, table: Table) -> list[Field]:
        """Every field of the table with its terms, strongest kind first."""
        zh, en = comment_parts(table.comment)
        out = [Field("name", table.name, self._name(table)),
               Field("comment", table.name, self.terms(zh) + self.terms(en))]
        for c in table.columns:
            czh, cen = comment_parts(c.comment)
            out.append(Field("column", f"{table.name}.{c.name}",
                             self.terms(c.name) + self.terms(czh) + self.terms(cen)))
        out.append(Field("schema", table.schema, self.terms(table.schema)))
        return out

    def _name(self, table: Table) -> tuple[str, ...]:
        terms = self.terms(table.name)
        prefix = self.terms(table.schema) if table.schema else ()
        if prefix and terms[:len(prefix)] == prefix and len(terms) > len(prefix):
            return terms[len(prefix):]
        return terms


def name_terms(table: Table) -> tuple[str, ...]:
    """Terms of a table's name without a leading copy of its schema's name (`crm_customer`
    in schema `crm`: the schema field already holds `crm`)."""
    return Analyzer({})._name(table)


def _texts(table: Table) -> Iterable[str]:
    yield table.name
    yield table.schema
    yield from comment_parts(table.comment)
    for c in table.columns:
        yield c.name
        yield from comment_parts(c.comment)


def _split(word: str, vocab: set[str]) -> tuple[str, ...]:
    """`paperkeyphras` -> (paper, keyphras) when both parts are words of the catalog;
    the longest first part wins, and a rest may split once more."""
    if len(word) < _MIN_COMPOUND:
        return ()
    for i in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):
        head, rest = _known(word[:i], vocab), _known(word[i:], vocab)
        if not head:
            continue
        if rest:
            return (head, rest)
        tail = _split(word[i:], vocab) if len(word) - i >= _MIN_COMPOUND else ()
        if len(tail) == 2:
            return (head, *tail)
    return ()


def _known(part: str, vocab: set[str]) -> str:
    """The part as a word of the catalog (itself or its stem), or ""."""
    if part in vocab:
        return part
    return stem(part) if stem(part) in vocab else ""


def copy_groups(tables: Sequence[Table]) -> list[int]:
    """Per table, the index of the table it is a copy of (itself when it is no copy)."""
    by_base: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, t in enumerate(tables):
        by_base[(t.schema.lower(), _COPY_SUFFIX.sub("", t.name).lower())].append(i)
    group = list(range(len(tables)))
    for members in by_base.values():
        if len(members) < 2:
            continue
        base = min(members, key=lambda i: (len(tables[i].name), i))
        cols = {c.name.lower() for c in tables[base].columns}
        for i in members:
            other = {c.name.lower() for c in tables[i].columns}
            if len(cols & other) >= _COPY_OVERLAP * max(len(cols), len(other), 1):
                group[i] = base
    return group


@lru_cache(maxsize=200_000)  # evidence asks again for the columns of every result
def phrase_key(text: str) -> str:
    """The key of a whole name: stems joined by `_`, or the Chinese text itself; "" when
    too long to be named in a question.

    >>> phrase_key("First_Name"), phrase_key("收盘价"), phrase_key("total manage years of x")
    ('first_nam', '收盘价', '')
    """
    if has_cjk(text):
        plain = "".join(normalize(text).split())
        return plain if len(plain) <= MAX_PHRASE_CJK and _CJK_RUN.fullmatch(plain) else ""
    terms = analyze(text)
    return "_".join(terms) if 0 < len(terms) <= MAX_PHRASE_WORDS else ""


def column_keys(table: Table) -> dict[str, float]:
    """Phrase keys of the table's columns: names and comment halves."""
    out: dict[str, float] = {}
    for c in table.columns:
        for text in (c.name, *comment_parts(c.comment)):
            if text and (key := phrase_key(text)):
                out[key] = 1.0
    return out


def question_keys(question: str) -> set[str]:
    """Phrase keys a question could name: runs of up to three stems, Chinese spans."""
    low = normalize(question)
    out: set[str] = set()
    for run in _CJK_RUN.findall(low):
        out.update(run[i:j] for i in range(len(run))
                   for j in range(i + 2, min(len(run), i + MAX_PHRASE_CJK) + 1))
    for chunk in _CJK_RUN.split(low):
        terms = analyze(" ".join(_LATIN_WORD.findall(chunk)))
        out.update("_".join(terms[i:j]) for i in range(len(terms))
                   for j in range(i + 1, min(len(terms), i + MAX_PHRASE_WORDS) + 1))
    return out
