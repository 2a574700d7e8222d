"""Question and schema text normalised into the same token stream (English stems, CJK chars)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Token", "has_cjk", "identifier_words", "language", "normalize", "stem", "tokenize"]

_TOKEN = re.compile(r"[\u3400-\u9fff]|[a-z0-9]+(?:\.[a-z0-9]+)*", re.I)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_CJK = re.compile(r"[\u3400-\u9fff]")
# Irregular plurals worth knowing; the suffix rules below handle the rest.
_IRREGULAR = {"people": "person", "children": "child", "men": "man", "women": "woman",
              "data": "data", "series": "series", "species": "species", "status": "status"}


@dataclass(frozen=True)
class Token:
    text: str   # as written, lower case
    key: str    # the form used for matching (stem for English words)
    start: int  # character offsets in the normalised question
    end: int

    @property
    def is_cjk(self) -> bool:
        return _starts_cjk(self.text)


def _starts_cjk(text: str) -> bool:
    """`_CJK.match(text)` without the regex call: asked for every token, many times."""
    return bool(text) and "\u3400" <= text[0] <= "\u9fff"


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def language(text: str) -> str:
    """"zh" when CJK characters dominate, else "en" (a Chinese name inside English is en).

    >>> language("贵州茅台最新收盘价"), language("latest close of 宁德时代"), language("PE是多少")
    ('zh', 'en', 'zh')
    """
    cjk = len(_CJK.findall(text))
    latin = len(re.findall(r"[a-z]+", text, re.I))
    return "zh" if cjk >= 2 * latin else "en"


def stem(word: str) -> str:
    """A light English stem, enough to match names: plurals, -ing/-ed, a final e.

    >>> [stem(w) for w in ("singers", "countries", "classes", "status", "people")]
    ['singer', 'country', 'class', 'status', 'person']
    >>> stem("closing") == stem("close") == stem("closed"), stem("ages") == stem("age")
    (True, True)
    """
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def tokenize(text: str) -> list[Token]:
    """Tokens of already-normalised text: one per CJK character, one per latin word."""
    out = []
    for m in _TOKEN.finditer(text):
        t = m.group().lower()
        out.append(Token(t, t if _starts_cjk(t) else stem(t), m.start(), m.end()))
    return out


def identifier_words(name: str) -> list[str]:
    """Split an identifier into lower-case words.

    >>> identifier_words("song_release_year"), identifier_words("HireDate"), identifier_words("收盘价")
    (['song', 'release', 'year'], ['hire', 'date'], ['收盘价'])
    """
    spaced = _CAMEL.sub(" ", name).replace("_", " ").replace("-", " ")
    return [w.lower() for w in spaced.split() if w]
