"""Text to retrieval terms: English stems, Chinese words (jieba) and character bigrams.

Identifiers, comments and questions go through the same analysis so that "singers",
`singer_id` and "Singer" meet on the term `singer`, and 收盘价 in a question meets
"收盘价 | Close price" in a comment both as the word and as the bigrams 收盘, 盘价 (bigrams
catch words that jieba cuts differently in the two texts).

>>> analyze("Song_release_year of singers")
('song', 'releas', 'year', 'singer')
>>> analyze("最新收盘价")
('最新', '收盘', '收盘价', '新收', '盘价')
"""

from __future__ import annotations

import logging
import re
from functools import cache, lru_cache
from typing import Any

from nl2sql.text import identifier_words, normalize, stem

__all__ = ["BIGRAM", "PART", "STOPWORDS", "analyze", "analyze_question", "comment_parts"]

# Function words of questions; content words are left to IDF, which weighs them by rarity.
# (Imperatives such as show/list are dropped only where they open a sentence: see retrieve.)
STOPWORDS = frozenset(
    "a an the of in on at to for by and or not is are was were be been being with from as it "
    "its this that these those what which who whom whose how when where why do does did "
    "there their they them we our you your he she his her i me my than then each every all any "
    "some many much more most less least please also only just have has had can could would "
    "should will shall may might one two three four five six seven eight nine ten".split()
) | frozenset("的 了 是 在 有 和 与 及 或 吗 呢 吧 啊 哪些 哪个 什么 多少 几 个 只 请 给 我 们 这 那 "
              "每个 各 所有 一个 其中 以及 查询 列出 显示 返回 是否 怎么 如何".split())
PART = 0.7  # weight of a shorter word inside a longer Chinese word of a question
BIGRAM = 0.4  # weight of a character bigram inside a longer Chinese word of a question
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@cache
def _jieba() -> Any:
    """jieba, loaded once per process; its dictionary takes about half a second."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=200_000)
def analyze(text: str) -> tuple[str, ...]:
    """The retrieval terms of a name, comment or question, in order, stopwords dropped.

    Identifiers are split at underscores and camel case first; repeated terms are kept
    (they count as term frequency).
    """
    spaced = " ".join(" ".join(identifier_words(w)) for w in _CAMEL.sub(" ", text).split())
    low = normalize(spaced)
    out: list[str] = []
    pos = 0
    for m in _CJK_RUN.finditer(low):
        out += _latin_terms(low[pos:m.start()])
        out += _cjk_terms(m.group())
        pos = m.end()
    out += _latin_terms(low[pos:])
    return tuple(out)


def analyze_question(text: str) -> dict[str, float]:
    """A question's terms with weights: words 1.0; the parts and inner bigrams of longer
    Chinese words less (`PART`, `BIGRAM`). Bigrams across word boundaries (金分 of 基金分别)
    are left out: they match unrelated names.

    >>> analyze_question("各类型基金的收盘价")
    {'类型': 1.0, '基金': 1.0, '收盘价': 1.0, '收盘': 0.7, '盘价': 0.4}
    """
    low = normalize(text)
    out: dict[str, float] = {}
    pos = 0
    for m in _CJK_RUN.finditer(low):
        out.update(dict.fromkeys(_latin_terms(low[pos:m.start()]), 1.0))
        for term, weight in _cjk_question_terms(m.group()):
            out[term] = max(out.get(term, 0.0), weight)
        pos = m.end()
    for t in _latin_terms(low[pos:]):
        out.setdefault(t, 1.0)
    return out


def _cjk_question_terms(run: str) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for word in _jieba().lcut(run):
        if len(word) < 2 or word in STOPWORDS:
            continue
        out.append((word, 1.0))
        if len(word) > 2:
            out += [(w, PART) for w in _jieba().lcut_for_search(word)
                    if 1 < len(w) < len(word) and w not in STOPWORDS]
            out += [(word[i:i + 2], BIGRAM) for i in range(len(word) - 1)]
    return out


def _latin_terms(text: str) -> list[str]:
    return [stem(w) for w in _LATIN.findall(text) if w not in STOPWORDS]


def _cjk_terms(run: str) -> list[str]:
    """Words of at least two characters, then the run's character bigrams."""
    words = [w for w in _jieba().lcut_for_search(run) if len(w) > 1 and w not in STOPWORDS]
    bigrams = [run[i:i + 2] for i in range(len(run) - 1)]
    return words + [b for b in bigrams if b not in STOPWORDS and b not in words]


@lru_cache(maxsize=100_000)
def comment_parts(comment: str) -> tuple[str, str]:
    """The Chinese and English halves of a bilingual comment "中文 | English | unit".

    >>> comment_parts("收盘价 | Close price | 元"), comment_parts("Stadium capacity")
    (('收盘价', 'Close price'), ('', 'Stadium capacity'))
    """
    parts = [p.strip() for p in comment.split("|")] if comment else []
    names = parts[:2] if len(parts) >= 2 else parts[:1]
    zh = " ".join(p for p in names if _CJK_RUN.search(p))
    en = " ".join(p for p in names if p and not _CJK_RUN.search(p))
    return zh, en
