"""Spoken numbers in questions rewritten as digits, and amounts rendered for speech.

Questions from speech recognition spell numbers out (二零二四年, 一千五百万, 百分之三, 前十,
five percent); the linker and parser expect digits. Company names also contain numeral
characters (三一重工, 五粮液, 九号公司), so a Chinese numeral is rewritten only where it reads
as a quantity: before a unit or classifier, after a marker such as 前/第/近/超过, as a run of
four or more digits (a year or a code), or as a run with a multiplier (两千, 十五). Names the
caller knows (the catalog's entity names) can be protected outright.

>>> normalize_spoken("二零二四年三月五号成交额超过一千五百万的前十只股票")
'2024年3月5号成交额超过15000000的前10只股票'
>>> normalize_spoken("三一重工涨幅超过百分之三点五吗")
'三一重工涨幅超过3.5%吗'
>>> format_amount_zh(1234567890), format_amount_en(56780)
('12.35亿', '56.78 thousand')
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from nl2sql.errors import InputError

__all__ = [
    "SpokenText",
    "fold_width",
    "format_amount",
    "format_amount_en",
    "format_amount_zh",
    "names_to_protect",
    "normalize_spoken",
    "parse_en_number",
    "parse_zh_number",
    "rewrite_spoken",
]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6,
           "柒": 7, "捌": 8, "玖": 9}
_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}
_ZH_CHARS = "".join(_DIGITS) + "".join(_SMALL) + "".join(_BIG)
_ZH_NUMERAL = rf"[{_ZH_CHARS}]+(?:点[{''.join(_DIGITS)}]+[万亿]*)?"
# A run of Chinese numerals, or Arabic digits followed by a Chinese multiplier (1.5万, 3千万).
_SPAN = re.compile(rf"(百分之|千分之)?(\d+(?:\.\d+)?[十百千万亿]+|{_ZH_NUMERAL}|\d+(?:\.\d+)?)")
# What follows a quantity: time units, classifiers, currencies and market units.
_UNITS = ("年", "月", "日", "号", "天", "周", "季度", "季", "个", "只", "支", "家", "股", "手",
          "元", "块", "倍", "次", "名", "位", "条", "笔", "%", "成", "岁", "小时", "分钟", "秒",
          "星期", "礼拜", "交易日", "美元", "港元", "人", "户", "项", "期", "批", "张", "份",
          "届", "轮", "百分点", "点位", "亿", "万")
# What precedes a quantity.
_MARKERS = ("前", "第", "后", "近", "最近", "过去", "超过", "大于", "小于", "高于", "低于",
            "不到", "不足", "不超过", "不低于", "不少于", "至少", "至多", "约", "大约", "等于",
            "达到", "排名", "多于", "少于", "超", "top", "Top", "TOP")


@dataclass(frozen=True)
class SpokenText:
    """Rewritten text with, per character, the span of the original it came from."""

    text: str
    source: tuple[tuple[int, int], ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that produced text[start:end]."""
        if not 0 <= start < end <= len(self.text):
            raise InputError(f"span [{start}, {end}) is outside the rewritten text",
                             length=len(self.text))
        return self.source[start][0], self.source[end - 1][1]


# Full-width ASCII (！..～) and the ideographic space, one character for one.
_WIDTH = {0xFF01 + i: 0x21 + i for i in range(94)} | {0x3000: 0x20}


def fold_width(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width, one character for one.

    >>> fold_width("６００５１９．ＳＨ，ＧＺＭＴ")
    '600519.SH,GZMT'
    """
    return text if text.isascii() else text.translate(_WIDTH)


def parse_zh_number(text: str) -> str | None:
    """A Chinese (or mixed) numeral as a plain decimal string; None when it is not one.

    >>> [parse_zh_number(s) for s in ("二零二四", "一千五百万", "十二", "一万五", "三点五亿", "1.5万")]
    ['2024', '15000000', '12', '15000', '350000000', '15000']
    """
    whole, point, frac = text.partition("点")
    if not whole:
        return None
    if point:
        return _with_fraction(whole, frac)
    if all(ch in _DIGITS for ch in whole):
        return "".join(str(_DIGITS[ch]) for ch in whole)
    value = _parse_units(whole)
    return None if value is None else _plain(value)


def _with_fraction(whole: str, frac: str) -> str | None:
    """三点一四, 一点五万: digits after 点, then optional big units that scale the lot."""
    scale = Decimal(1)
    while frac and frac[-1] in _BIG:
        scale *= _BIG[frac[-1]]
        frac = frac[:-1]
    if not frac or any(ch not in _DIGITS for ch in frac):
        return None
    head = parse_zh_number(whole)
    if head is None:
        return None
    digits = "".join(str(_DIGITS[ch]) for ch in frac)
    return _plain(Decimal(f"{head}.{digits}") * scale)


_UNIT_TOKEN = re.compile(rf"\d+(?:\.\d+)?|[{_ZH_CHARS}]")


def _tokens(text: str) -> list[tuple[str, Decimal]] | None:
    """("d", value) for digits (an Arabic number counts as one), ("u", value) for units."""
    found = list(_UNIT_TOKEN.finditer(text))
    if sum(len(m.group()) for m in found) != len(text):
        return None
    out: list[tuple[str, Decimal]] = []
    for m in found:
        s = m.group()
        if s in _SMALL or s in _BIG:
            out.append(("u", Decimal(_SMALL.get(s) or _BIG[s])))
        else:
            out.append(("d", Decimal(_DIGITS[s]) if s in _DIGITS else Decimal(s)))
    return out


def _parse_units(text: str) -> Decimal | None:
    """一千五百万 = 15000000, 十二 = 12, 一万五 = 15000 (a last digit after a unit scales down)."""
    tokens = _tokens(text)
    if not tokens:
        return None
    total = section = Decimal(0)
    number: Decimal | None = None
    last_unit = small = Decimal(0)  # small: the last 十/百/千 since a 万 or 亿
    for i, (kind, value) in enumerate(tokens):
        if kind == "d":
            if number:
                return None  # two digits in a row inside a unit numeral: not a number
            number = value
        elif value == 100_000_000:
            total = (total + section + (number or 0)) * value
            section, number, last_unit, small = Decimal(0), None, value, Decimal(0)
        elif value == 10_000:
            if last_unit == 10_000:
                return None  # 万万
            section = (section + (number or 0)) * value
            number, last_unit, small = None, value, Decimal(0)
        else:
            if small and value >= small:
                return None  # 十十, 百千: units must fall
            section += (1 if number is None else number) * value
            number, last_unit, small = None, value, value
        if i == len(tokens) - 1 and kind == "d" and i > 0 and tokens[i - 1][0] == "u" \
                and last_unit >= 100:
            number = value * last_unit / 10  # 一万五: the unit below the last one is implied
    return total + section + (number or 0)


def _plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 15000, 3.5."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _is_quantity(text: str, start: int, end: int, run: str) -> bool:
    """Whether a Chinese numeral run at text[start:end] reads as a number, not a name part."""
    if run[0] in _SMALL and run[0] not in "十拾" or run[0] in _BIG:
        return False  # 万科, 百合, 千禾: a multiplier cannot start a number
    if text.startswith(_UNITS, end) or text.endswith(_MARKERS, 0, start):
        return True
    digits_only = all(ch in _DIGITS for ch in run)
    if digits_only:
        return len(run) >= 4  # 二零二四, 六零零五一九; 三一 and 三六零 stay
    return len(run) >= 2 or "点" in run


def _protected(text: str, protect: Collection[str]) -> list[tuple[int, int]]:
    spans = []
    for name in protect:
        at = text.find(name)
        while at >= 0:
            spans.append((at, at + len(name)))
            at = text.find(name, at + 1)
    return spans


def _zh_pieces(text: str, protect: Collection[str]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) for each spoken Chinese number in text."""
    guarded = _protected(text, protect)
    out = []
    for m in _SPAN.finditer(text):
        prefix, run = m.group(1), m.group(2)
        if any(a < m.end() and m.start() < b for a, b in guarded):
            continue
        if re.fullmatch(r"\d+(?:\.\d+)?", run):
            if prefix:  # 百分之3 -> 3%
                out.append((m.start(), m.end(), run + ("%" if prefix == "百分之" else "‰")))
            continue  # plain digits stay as they are (codes, prices)
        value = parse_zh_number(run)
        if value is None:
            continue
        arabic = run[0].isdigit()
        if prefix:
            out.append((m.start(), m.end(), value + ("%" if prefix == "百分之" else "‰")))
        elif arabic or _is_quantity(text, m.start(2), m.end(2), run):
            out.append((m.start(2), m.end(2), value))
    return out


_EN_ONES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
_EN_TENS = {w: 10 * (i + 2) for i, w in enumerate(
    "twenty thirty forty fifty sixty seventy eighty ninety".split())}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9,
              "trillion": 10**12}
_EN_WORD = "|".join(sorted([*_EN_ONES, *_EN_TENS, *_EN_SCALES], key=len, reverse=True))
_EN_NUMBER = re.compile(
    rf"(?<![A-Za-z0-9.])(?:(?:\d+(?:\.\d+)?|an?|{_EN_WORD})(?:(?:\s+and\s+|[\s-]+)"
    rf"(?:{_EN_WORD}))*(?:\s+point(?:\s+(?:{'|'.join(_EN_ONES)}))+)?)"
    rf"(?:\s*(?P<pct>percent|per\s+cent|pct)\b)?(?![A-Za-z])", re.I)
# A lone "one" is usually a pronoun (which one, the one); convert it only before these.
_ONE_BEFORE = re.compile(r"\s+(percent|per cent|day|week|month|year|quarter|trading|share|"
                         r"stock|time|million|billion|thousand|hundred)", re.I)


def parse_en_number(text: str) -> str | None:
    """English number words (or digits with a scale word) as a plain decimal string.

    >>> [parse_en_number(s) for s in ("twenty-five", "1.5 million", "a hundred and five", "two point five")]
    ['25', '1500000', '105', '2.5']
    """
    words = re.split(r"[\s-]+", text.strip().lower())
    if "point" in words:
        i = words.index("point")
        head, tail = parse_en_number(" ".join(words[:i])), words[i + 1:]
        if head is None or not tail or any(w not in _EN_ONES or _EN_ONES[w] > 9 for w in tail):
            return None
        return _plain(Decimal(head + "." + "".join(str(_EN_ONES[w]) for w in tail)))
    total, current, seen = Decimal(0), Decimal(0), False
    for w in (w for w in words if w and w != "and"):
        if w in ("a", "an") and not seen:
            current, seen = Decimal(1), True
        elif re.fullmatch(r"\d+(?:\.\d+)?", w) and not seen:
            current, seen = Decimal(w), True
        elif w in _EN_ONES or w in _EN_TENS:
            current += _EN_ONES.get(w, _EN_TENS.get(w, 0))
            seen = True
        elif w in _EN_SCALES and seen:
            if _EN_SCALES[w] == 100:
                current *= 100
            else:
                total += current * _EN_SCALES[w]
                current = Decimal(0)
        else:
            return None
    return _plain(total + current) if seen else None


def _en_pieces(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _EN_NUMBER.finditer(text):
        number = m.group()[: m.start("pct") - m.start()] if m.group("pct") else m.group()
        number = number.strip()
        words = number.lower().split()
        if re.fullmatch(r"\d+(?:\.\d+)?", number) and not m.group("pct"):
            continue  # digits alone are already what the parser wants
        if words in (["a"], ["an"]):
            continue
        if words == ["one"] and not m.group("pct") and not _ONE_BEFORE.match(text, m.end()):
            continue
        value = parse_en_number(number)
        if value is not None:
            out.append((m.start(), m.end(), value + ("%" if m.group("pct") else "")))
    return out


def rewrite_spoken(text: str, *, protect: Collection[str] = ()) -> SpokenText:
    """Spoken numbers in text as digits, with a map back to the original characters.

    Args:
        protect: names (e.g. the catalog's entity names) whose characters are never rewritten.
    """
    folded, pieces = _rewrites(text, protect)
    out: list[str] = []
    source: list[tuple[int, int]] = []
    at = 0
    for start, end, repl in pieces:
        out.append(folded[at:start])
        source.extend((i, i + 1) for i in range(at, start))
        out.append(repl)
        source.extend((start, end) for _ in repl)
        at = end
    out.append(folded[at:])
    source.extend((i, i + 1) for i in range(at, len(folded)))
    return SpokenText("".join(out), tuple(source))


def _rewrites(text: str, protect: Collection[str]) -> tuple[str, list[tuple[int, int, str]]]:
    """The width-folded text and its spoken-number rewrites, in order, none overlapping."""
    if not isinstance(text, str):
        raise InputError("question text must be a string", got=type(text).__name__)
    folded = fold_width(text)
    chosen: list[tuple[int, int, str]] = []
    at = 0
    for start, end, repl in sorted(_zh_pieces(folded, protect) + _en_pieces(folded)):
        if start >= at:  # overlapping rewrites: the earlier one wins
            chosen.append((start, end, repl))
            at = end
    return folded, chosen


def names_to_protect(names: Iterable[str]) -> frozenset[str]:
    """The names normalize_spoken would alter (华大九天 reads "9 days"): pass them as protect.

    Computed once per catalog, it keeps protect small whatever the number of names.

    >>> sorted(names_to_protect(["华大九天", "三一重工", "贵州茅台", "九号公司"]))
    ['九号公司', '华大九天']
    """
    return frozenset(n for n in names if rewrite_spoken(n).text != fold_width(n))


def normalize_spoken(text: str, *, protect: Collection[str] = ()) -> str:
    """Spoken numbers in text as digits (see rewrite_spoken for the offset map)."""
    folded, pieces = _rewrites(text, protect)
    out: list[str] = []
    at = 0
    for start, end, repl in pieces:
        out += (folded[at:start], repl)
        at = end
    out.append(folded[at:])
    return "".join(out)


def _number(value: float | int | Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise InputError("an amount must be a number", got=type(value).__name__)
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError("an amount must be finite", got=str(value))
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation as e:  # pragma: no cover - Decimal accepts every int and float
        raise InputError("an amount must be a number", got=str(value)) from e
    if not number.is_finite():
        raise InputError("an amount must be finite", got=str(value))
    return number


def _scaled(number: Decimal, steps: tuple[tuple[Decimal, str], ...], digits: int) -> str:
    """Round in the largest unit the amount reaches, moving up when rounding reaches the next."""
    size = abs(number)
    quantum = Decimal(1).scaleb(-digits)
    for i, (unit, name) in enumerate(steps):
        if size >= unit or i == len(steps) - 1:
            rounded = (size / unit).quantize(quantum, rounding=ROUND_HALF_UP)
            bigger = steps[i - 1][0] if i > 0 else None
            if bigger is not None and rounded * unit >= bigger:
                rounded = (size / bigger).quantize(quantum, rounding=ROUND_HALF_UP)
                name = steps[i - 1][1]
            sign = "-" if number < 0 and rounded != 0 else ""
            return f"{sign}{_plain(rounded)}{name}"
    raise AssertionError("unreachable")  # pragma: no cover


_ZH_STEPS = ((Decimal(10) ** 12, "万亿"), (Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万"),
             (Decimal(1), ""))
_EN_STEPS = ((Decimal(10) ** 12, " trillion"), (Decimal(10) ** 9, " billion"),
             (Decimal(10) ** 6, " million"), (Decimal(10) ** 3, " thousand"))


def format_amount_zh(value: float | int | Decimal, *, digits: int = 2) -> str:
    """An amount for Chinese speech: 万/亿/万亿 with at most `digits` decimals.

    >>> format_amount_zh(1234567890), format_amount_zh(56780), format_amount_zh(999), format_amount_zh(-15000)
    ('12.35亿', '5.68万', '999', '-1.5万')
    """
    return _scaled(_number(value), _ZH_STEPS, digits)


def format_amount_en(value: float | int | Decimal, *, digits: int = 2) -> str:
    """An amount for English speech: thousand/million/billion/trillion.

    >>> format_amount_en(1234567890), format_amount_en(5678000), format_amount_en(56780)
    ('1.23 billion', '5.68 million', '56.78 thousand')
    """
    number = _number(value)
    if abs(number) < 10_000:  # small amounts read better as plain digits
        return _scaled(number, ((Decimal(1), ""),), digits)
    return _scaled(number, _EN_STEPS, digits)


def format_amount(value: float | int | Decimal, lang: str, *, digits: int = 2) -> str:
    """format_amount_zh for "zh", format_amount_en for "en"."""
    if lang not in ("zh", "en"):
        raise InputError(f"unknown answer language {lang!r}", expected=["zh", "en"])
    return (format_amount_zh if lang == "zh" else format_amount_en)(value, digits=digits)
