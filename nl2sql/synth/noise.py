"""Spoken-style noise: numbers read out (一千五百, 1.5万, fifteen) and homophone slips in
names, as speech recognition writes them. The link stage undoes exactly these
(nl2sql.link.spoken, nl2sql.link.fuzzy), so the pairs teach what it must undo.

>>> zh_numeral(15), zh_numeral(105), zh_numeral(15000000), zh_numeral(2024)
('十五', '一百零五', '一千五百万', '二千零二十四')
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin

from nl2sql.link.spoken import format_amount_en, format_amount_zh

__all__ = ["HomophoneIndex", "en_number", "zh_numeral", "zh_number"]

_DIGITS = "零一二三四五六七八九"
_EN_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
             "fourteen fifteen sixteen seventeen eighteen nineteen twenty").split()


def _section(n: int) -> str:
    """0 < n < 10000 in Chinese numerals, with 零 for skipped places."""
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + name
    return out


def zh_numeral(n: int) -> str:
    """A whole number below 10^12 as spoken Chinese numerals."""
    if n == 0:
        return "零"
    if n < 0:
        return "负" + zh_numeral(-n)
    parts: list[str] = []
    for unit, name in ((10**8, "亿"), (10**4, "万"), (1, "")):
        section = n // unit % 10**4 if unit < 10**8 else n // unit
        if section:
            if parts and section < 1000:
                parts.append("零")
            parts.append(_section(section) + name)
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def zh_number(value: int | float, rng: random.Random, spoken: bool) -> str:
    """How a Chinese question writes the number: digits, numerals or 万/亿 amounts."""
    if spoken and isinstance(value, int) and 0 <= value < 10**12:
        return zh_numeral(value)
    if spoken and abs(value) >= 10_000:
        return format_amount_zh(value)
    return str(value)


def en_number(value: int | float, rng: random.Random, spoken: bool) -> str:
    """How an English question writes the number: digits, words or millions."""
    if spoken and isinstance(value, int) and 0 <= value <= 20:
        return _EN_WORDS[value]
    if spoken and abs(value) >= 1_000_000:
        return format_amount_en(value)
    return str(value)


class HomophoneIndex:
    """Characters grouped by toneless pinyin, to swap one for a same-sounding one."""

    def __init__(self, texts: Iterable[str]) -> None:
        chars = sorted({ch for t in texts for ch in t if "\u4e00" <= ch <= "\u9fff"})
        self._reading = dict(zip(chars, lazy_pinyin(chars, style=Style.NORMAL), strict=True))
        groups: dict[str, list[str]] = defaultdict(list)
        for ch, sound in self._reading.items():
            groups[sound].append(ch)
        self._groups = dict(groups)

    def slip(self, text: str, rng: random.Random) -> str | None:
        """The text with one character replaced by a homophone, or None if none fits."""
        spots = [i for i, ch in enumerate(text)
                 if len(self._groups.get(self._reading.get(ch, ""), ())) > 1]
        if len(text) < 3 or not spots:
            return None
        i = rng.choice(spots)
        other = rng.choice([c for c in self._groups[self._reading[text[i]]] if c != text[i]])
        return text[:i] + other + text[i + 1:]
