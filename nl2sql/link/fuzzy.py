"""Entity mentions in a question, robust to speech recognition: names, codes, pinyin, aliases.

A question from speech recognition names 贵州茅台 as 贵州毛台 (a homophone), 宁德时带, 茅台 (an
alias), GZMT (pinyin initials) or sh600519 (a code form). EntityMatcher indexes entity values
(names, codes, English names) once and finds such mentions in a question in about a
millisecond:

- codes: 600519, 600519.SH, SH600519, sh600519 all name the row whose code is 600519.SH;
- CJK names (up to 8 characters) and their derived aliases are indexed by pairs of toneless
  pinyin syllables, adjacent and one apart, folded for near-homophones (zh/z, n/l, -ng/-n),
  so a homophone, a near-homophone or one dropped, swapped or wrong character still shares
  pairs with the name. The few names sharing enough pairs are scored by a small alignment
  (same character 1.0, homophone 0.8, near-homophone 0.64, else pinyin letter similarity)
  and kept with at most one error per four characters and a score of 0.7 or more. Longer
  values (full company names) match exactly;
- aliases are derived, never listed: a four-character name's first or last two characters
  when they name at most `max_alias_targets` rows and are not an everyday word (matched
  exactly only), the name without 股份/集团/A suffixes, pinyin initials of short names, and
  leading words of English names without Co., Ltd.;
- a match inside a longer mention with more characters right is part of it (电子 inside
  兴罚电子); mentions competing for one span within `margin` of the best all come back,
  marked ambiguous (平安 -> 中国平安 and 平安银行; 山西银行 -> 山西银行 first, 陕西银行 too).

>>> m = EntityMatcher.build([("securities", "name", "贵州茅台", "600519.SH"),
...                          ("securities", "ts_code", "600519.SH", "600519.SH"),
...                          ("securities", "name", "宁德时代", "300750.SZ")])
>>> [(x.value, x.via, x.start, x.end) for x in m.match("贵州毛台和宁德时带的收盘价")]
[('贵州茅台', 'pinyin', 0, 4), ('宁德时代', 'pinyin', 5, 9)]
>>> [(x.value, x.via) for x in m.match("sh600519最新价")]
[('600519.SH', 'code')]
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Any

import jieba
from pypinyin import Style, lazy_pinyin, pinyin
from rapidfuzz.distance import Levenshtein

from nl2sql.errors import InputError
from nl2sql.link.spoken import fold_width

__all__ = ["EntityMatch", "EntityMatcher", "pinyin_tokens"]

_CJK = re.compile(r"[\u3400-\u9fff]")
_CODE_VALUE = re.compile(r"^(\d{6})(?:\.([a-z]{2}))?$", re.I)
_CODE_MENTION = re.compile(
    r"(?<![a-z0-9])(?:(?P<pre>sh|sz|bj)\s*\.?\s*)?(?P<digits>\d{6})"
    r"(?:\s*\.?\s*(?P<post>sh|sz|bj))?(?![a-z0-9])", re.I)
_INITIALS_VALUE = re.compile(r"^(?=.*[a-z])[a-z0-9]{2,8}$", re.I)
_LATIN_TOKEN = re.compile(r"[a-z0-9]+(?:['&][a-z0-9]+)*", re.I)
_CJK_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "(集团)", "（集团）", "集团", "股份",
                 "控股")
_EN_SUFFIXES = frozenset("co ltd company limited inc incorporated corp corporation plc llc "
                         "index".split())
_EN_STOP = frozenset("a an the of and for in on at to by with from".split())
_NEAR = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"^n(?!g)"), "l"),
         (re.compile(r"([ei])ng$"), r"\1n"), (re.compile(r"ang$"), "an"))
_HOMOPHONE, _NEAR_HOMOPHONE, _OTHER = 0.8, 0.64, 0.4
_TRANSPOSE_PENALTY = 0.5
_EPSILON = 0.001
_GAP = 0.5  # an extra character inside a mention
_MIN_SCORE = 0.7
_MAX_POSTINGS = 1500  # a syllable pair shared by more forms (股份, 公司) finds nothing useful
# Longer values (full company names) match exactly only, by each character's common reading.
_CONTEXT_MAX = 8
# Two-character aliases that are everyday words (指数, 银行, 时代) would fire on ordinary
# questions; jieba's dictionary frequency tells them apart from 茅台 or 平安.
COMMON_WORD_FREQ = 2000


@dataclass(frozen=True)
class EntityMatch:
    table: str
    column: str
    value: str  # as stored in the database
    score: float  # 1.0 exact; lower for aliases, initials, homophones and fuzzy matches
    start: int  # character offsets in the text given to match()
    end: int
    via: str  # exact | code | alias | initials | english | pinyin | fuzzy
    ambiguous: bool = False  # another entity competes for this mention within the margin
    key: str = ""  # the row: the entry's key, else its value (codes: their six digits)


@dataclass(frozen=True)
class _Hit:
    match: EntityMatch
    support: int  # characters of the mention that are right or sound right


@dataclass(frozen=True)
class _Entry:
    table: str
    column: str
    value: str
    key: str


@dataclass(frozen=True)
class _Form:
    """One way of writing an entry: the value itself or a derived alias."""

    text: str
    entry: _Entry
    weight: float
    via: str
    tokens: tuple[str, ...] = ()  # pinyin tokens of a CJK form


@lru_cache(maxsize=65536)
def _primary(ch: str) -> str:
    """The most common toneless reading of a CJK character."""
    return _toneless((pinyin(ch, style=Style.TONE, errors="ignore") or [[ch]])[0][0])


@lru_cache(maxsize=4096)
def _toneless(syllable: str) -> str:
    """guì -> gui, lǜ -> lv (pypinyin's own NORMAL style, without its per-call cost)."""
    plain = unicodedata.normalize("NFD", syllable.replace("ü", "v"))
    return "".join(c for c in plain if not unicodedata.combining(c))


def _each_char(run: str) -> Any:
    """pypinyin keeps a non-CJK run as one item unless told to split it (typed as str there)."""
    return list(run)


def pinyin_tokens(text: str, *, context: bool = True) -> tuple[str, ...]:
    """One token per character: a CJK character with its readings, anything else lower-cased.

    A character's readings are its most common one and the one it takes in this text, so
    长 in 长城 reads chang as well as zhang, while rare readings (台 as yi) never match.
    Without context only the most common reading is used (faster, for long values).

    >>> pinyin_tokens("长城A")
    ('长chang/zhang', '城cheng', 'a')
    """
    reads = lazy_pinyin(text, style=Style.TONE, errors=_each_char) if context else None
    if reads is None or len(reads) != len(text):
        reads = [""] * len(text)
    out = []
    for ch, read in zip(text, reads, strict=True):
        if not _CJK.match(ch):
            out.append(ch.lower())
            continue
        first, read = _primary(ch), _toneless(read)
        out.append(ch + "/".join(sorted({first, read} - {""})) if read != first else ch + first)
    return tuple(out)


@lru_cache(maxsize=65536)
def _readings(token: str) -> frozenset[str]:
    return frozenset(token[1:].split("/")) if len(token) > 1 else frozenset({token})


@lru_cache(maxsize=65536)
def _near(token: str) -> frozenset[str]:
    out = set()
    for r in _readings(token):
        for pattern, repl in _NEAR:
            r = pattern.sub(repl, r)
        out.add(r)
    return frozenset(out)


@lru_cache(maxsize=262144)
def _sim(a: str, b: str) -> float:
    """Similarity of a spoken character's token to a name character's token."""
    if a[0] == b[0]:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return 0.0  # letters and digits match only themselves
    ra, rb = _readings(a), _readings(b)
    if ra & rb:
        return _HOMOPHONE
    if _near(a) & _near(b):
        return _NEAR_HOMOPHONE
    # Never quite zero: a wrong character still belongs to the mention it sits in.
    return max(_EPSILON, _OTHER * max(Levenshtein.normalized_similarity(x, y)
                                      for x in ra for y in rb))


def _align(question: Sequence[str], form: Sequence[str]) -> tuple[float, int, int, int]:
    """Best (score, start, end, good) of form inside question: a weighted Damerau alignment.

    The whole form is aligned; question characters outside the aligned region are free,
    extra ones inside it cost _GAP so the region stays tight. The score is the summed
    similarity over max(len(form), region length); good counts the aligned positions that
    are the same character or a (near) homophone.
    """
    n, m = len(form), len(question)
    # cell = (similarity less gap costs, region start, good positions, extra characters)
    prev2: list[tuple[float, int, int, int]] = []
    prev = [(0.0, i, 0, 0) for i in range(m + 1)]  # nothing of the form aligned yet
    for j in range(1, n + 1):
        cur = [(0.0, 0, 0, 0)] * (m + 1)
        fc = form[j - 1]
        for i in range(1, m + 1):
            s = _sim(question[i - 1], fc)
            p = prev[i - 1]
            cand = (p[0] + s, p[1], p[2] + (s >= _NEAR_HOMOPHONE), p[3])
            skip = prev[i]  # a character of the form was dropped in the question
            if skip[0] > cand[0] or (skip[0] == cand[0] and skip[1] > cand[1]):
                cand = skip
            extra = cur[i - 1]  # an extra character in the question
            if extra[0] - _GAP > cand[0]:
                cand = (extra[0] - _GAP, extra[1], extra[2], extra[3] + 1)
            if j >= 2 and i >= 2:
                a, b = _sim(question[i - 2], fc), _sim(question[i - 1], form[j - 2])
                q = prev2[i - 2]
                swap = q[0] + a + b - _TRANSPOSE_PENALTY
                if swap > cand[0]:
                    cand = (swap, q[1], q[2] + (a >= _NEAR_HOMOPHONE and b >= _NEAR_HOMOPHONE),
                            q[3])
            cur[i] = cand
        prev2, prev = prev, cur
    best = (0.0, 0, 0, 0)
    for i in range(1, m + 1):
        total, start, good, gaps = prev[i]
        score = (total + _GAP * gaps) / max(n, i - start)
        if score > best[0] + 1e-9 or (abs(score - best[0]) <= 1e-9
                                       and i - start < best[2] - best[1]):
            best = (score, start, i, good)
    return best


def _pairs(tokens: Sequence[str]) -> Iterable[tuple[int, int]]:
    """Position pairs one and two apart with at least one CJK character."""
    for i in range(len(tokens)):
        for j in (i + 1, i + 2):
            if j < len(tokens) and (len(tokens[i]) > 1 or len(tokens[j]) > 1):
                yield i, j


def _pair_keys(a: str, b: str) -> Iterable[tuple[str, str]]:
    return product(_near(a), _near(b))


def _cjk_aliases(value: str) -> list[tuple[int, int, float]]:
    """(start, end, weight) of aliases inside a CJK value: the value without company
    suffixes (贵州茅台酒股份有限公司 -> 贵州茅台酒, 万科A -> 万科), and a four-character
    name's first and last two characters (茅台, 平安)."""
    end = len(value)
    changed = True
    while changed:
        changed = False
        for suffix in _CJK_SUFFIXES:
            if value.endswith(suffix, 0, end) and end - len(suffix) >= 2:
                end, changed = end - len(suffix), True
        if end >= 3 and re.match(r"[\u3400-\u9fff][A-Za-z]$", value[end - 2:end]):
            end, changed = end - 1, True
    out = [(0, end, 0.95)] if end < len(value) else []
    if end == 4 and all(_CJK.match(c) for c in value[:4]):
        out += [(0, 2, 0.9), (2, 4, 0.9)]
    return out


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Two-character words at least COMMON_WORD_FREQ frequent in jieba's dictionary."""
    path = Path(jieba.__file__).with_name("dict.txt")
    if not path.exists():
        return frozenset()
    text = path.read_text(encoding="utf-8")
    return frozenset(m.group(1) for m in re.finditer(r"^(\S\S) (\d{4,})", text, re.M)
                     if int(m.group(2)) >= COMMON_WORD_FREQ)


def _initials(tokens: tuple[str, ...]) -> set[str]:
    """Pinyin initials of a short CJK name, one per combination of readings (at most 4)."""
    letters = [sorted({r[0] for r in _readings(t) if r}) for t in tokens]
    if any(not x for x in letters):
        return set()
    combos = product(*letters)
    return {"".join(c) for _, c in zip(range(4), combos, strict=False)}


def _en_words(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", value.lower()))


def _en_aliases(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Leading parts (two words or more) of an English name without its company suffix."""
    core = list(words)
    while core and core[-1] in _EN_SUFFIXES:
        core.pop()
    out = []
    for n in range(2, len(core) + 1):
        part = tuple(core[:n])
        if part != words and not all(w in _EN_STOP for w in part):
            out.append(part)
    return out


def _check(entries: Iterable[Sequence[str]]) -> list[_Entry]:
    out = []
    for e in entries:
        if type(e) not in (tuple, list) or len(e) not in (3, 4) \
                or not all(isinstance(x, str) for x in e):
            raise InputError("an entity entry is (table, column, value) or "
                             "(table, column, value, key), all strings", got=repr(e)[:80])
        value = e[2].strip()
        if not value:
            continue
        if len(e) == 4:
            key = e[3]
        else:
            code = _CODE_VALUE.match(fold_width(value))
            key = code.group(1) if code else value
        out.append(_Entry(e[0], e[1], e[2], key))
    return out


@dataclass
class EntityMatcher:
    """Entity names and codes indexed for noisy mentions; build once per catalog."""

    entries: list[_Entry] = field(default_factory=list)
    max_alias_targets: int = 3
    _codes: dict[str, list[tuple[_Entry, str | None]]] = field(default_factory=dict)
    _latin: dict[str, list[_Form]] = field(default_factory=dict)  # one-word values, initials
    _english: dict[tuple[str, ...], list[_Form]] = field(default_factory=dict)
    _forms: list[_Form] = field(default_factory=list)  # CJK forms, indexed below
    _postings: dict[tuple[str, str], list[tuple[int, int]]] = field(default_factory=dict)
    _long: dict[str, list[int]] = field(default_factory=dict)  # forms matched exactly only
    _longest_english: int = 1
    _long_sizes: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, entries: Iterable[Sequence[str]], *,
              max_alias_targets: int = 3) -> EntityMatcher:
        """Index (table, column, value[, key]) entries; key names the row (e.g. ts_code)."""
        matcher = cls(_check(entries), max_alias_targets)
        aliases: dict[str, list[_Form]] = defaultdict(list)
        en_aliases: dict[tuple[str, ...], list[_Form]] = defaultdict(list)
        for entry in matcher.entries:
            matcher._add(entry, aliases, en_aliases)
        matcher._keep_aliases(aliases, en_aliases)
        matcher._index()
        return matcher

    def _add(self, entry: _Entry, aliases: dict[str, list[_Form]],
             en_aliases: dict[tuple[str, ...], list[_Form]]) -> None:
        value = fold_width(entry.value).strip()
        code = _CODE_VALUE.match(value)
        if code:
            exchange = code.group(2).lower() if code.group(2) else None
            self._codes.setdefault(code.group(1), []).append((entry, exchange))
        elif _CJK.search(value):
            text = value.lower()
            tokens = pinyin_tokens(text, context=len(text) <= _CONTEXT_MAX)
            self._forms.append(_Form(text, entry, 1.0, "exact", tokens))
            for a, b, weight in _cjk_aliases(text):
                aliases[text[a:b]].append(_Form(text[a:b], entry, weight, "alias", tokens[a:b]))
            if 2 <= len(value) <= 6:
                for ini in _initials(tokens):
                    aliases["\0" + ini].append(_Form(ini, entry, 0.9, "initials"))
        elif _INITIALS_VALUE.match(value):
            self._latin.setdefault(value.lower(), []).append(_Form(value.lower(), entry, 1.0,
                                                                   "exact"))
        else:
            words = _en_words(value)
            if words:
                self._english.setdefault(words, []).append(_Form(" ".join(words), entry, 1.0,
                                                                 "english"))
                for part in _en_aliases(words):
                    en_aliases[part].append(_Form(" ".join(part), entry, 0.9, "english"))

    def _keep_aliases(self, aliases: dict[str, list[_Form]],
                      en_aliases: dict[tuple[str, ...], list[_Form]]) -> None:
        """Keep derived aliases that name few rows and are not some entry's own value."""
        own = {f.text for f in self._forms}
        common = _common_words()
        for text, forms in aliases.items():
            if len({(f.entry.table, f.entry.key) for f in forms}) > self.max_alias_targets \
                    or text in common:
                continue
            if text.startswith("\0"):
                self._latin.setdefault(text[1:], []).extend(forms)
            elif text not in own:
                self._forms.extend(forms)
        for words, forms in en_aliases.items():
            if words not in self._english and \
                    len({(f.entry.table, f.entry.key) for f in forms}) <= self.max_alias_targets:
                self._english[words] = forms
        self._longest_english = max((len(w) for w in self._english), default=1)

    def _index(self) -> None:
        """Syllable-pair postings of short forms; long ones (full names) only match exactly."""
        postings: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for fid, form in enumerate(self._forms):
            if len(form.text) > _CONTEXT_MAX:
                self._long.setdefault(form.text, []).append(fid)
                continue
            seen: set[tuple[tuple[str, str], int]] = set()
            for i, j in _pairs(form.tokens):
                for key in _pair_keys(form.tokens[i], form.tokens[j]):
                    if (key, i) not in seen:
                        seen.add((key, i))
                        postings[key].append((fid, i))
        self._postings = {k: v for k, v in postings.items() if len(v) <= _MAX_POSTINGS}
        self._long_sizes = sorted({len(t) for t in self._long})

    def __len__(self) -> int:
        return len(self.entries)

    # --- matching ------------------------------------------------------------------------

    def match(self, text: str, *, limit: int = 5, margin: float = 0.05) -> list[EntityMatch]:
        """Entity mentions in text, best first; rivals for one mention come back ambiguous."""
        if not isinstance(text, str):
            raise InputError("question text must be a string", got=type(text).__name__)
        if limit < 1:
            raise InputError("limit must be at least 1", got=limit)
        folded = fold_width(text)
        found = self._codes_in(folded) + self._latin_in(folded) + self._english_in(folded) \
            + self._cjk_in(folded)
        return _resolve(found, margin)[:limit]

    def _codes_in(self, text: str) -> list[_Hit]:
        out = []
        for m in _CODE_MENTION.finditer(text):
            exchange = (m.group("pre") or m.group("post") or "").lower() or None
            out += self._code_rows(m.group("digits"), exchange, m.start(), m.end())
        return out

    def _code_rows(self, digits: str, exchange: str | None, start: int,
                   end: int) -> list[_Hit]:
        """One match per row: the exchange-qualified value when one was said, else the bare."""
        rows: dict[tuple[str, str], tuple[float, _Entry]] = {}
        for entry, value_exchange in self._codes.get(digits, ()):
            if exchange and value_exchange and value_exchange != exchange:
                continue
            score = 1.0 if value_exchange == exchange else 0.97
            row = (entry.table, entry.key)
            if row not in rows or score > rows[row][0]:
                rows[row] = (score, entry)
        if exchange:  # a bare symbol cannot tell 000001.SH from 000001.SZ: keep it only alone
            exact = {r for r, (s, _) in rows.items() if s == 1.0}
            rows = {r: v for r, v in rows.items() if r in exact} or rows
        return [_Hit(EntityMatch(e.table, e.column, e.value, s, start, end, "code", key=e.key),
                     len(digits)) for s, e in rows.values()]

    def _latin_in(self, text: str) -> list[_Hit]:
        zh = len(_CJK.findall(text)) >= len(re.findall(r"[a-z]", text, re.I))
        out = []
        for m in _LATIN_TOKEN.finditer(text):
            token = m.group()
            beside_cjk = bool(_CJK.match(text[m.start() - 1:m.start()] or " ")
                              or _CJK.match(text[m.end():m.end() + 1] or " "))
            if token.isdigit() or not (zh or beside_cjk or token.isupper()):
                continue  # a lower-case word of an English question is not pinyin initials
            for form in self._latin.get(token.lower(), ()):
                out.append(_to_match(form, form.weight, m.start(), m.end(), form.via))
        return out

    def _english_in(self, text: str) -> list[_Hit]:
        words = [(m.group().lower(), m.start(), m.end())
                 for m in re.finditer(r"[a-z0-9]+", text, re.I)]
        out = []
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + self._longest_english) + 1):
                key = tuple(w for w, _, _ in words[i:j])
                for form in self._english.get(key, ()):
                    out.append(_to_match(form, form.weight, words[i][1], words[j - 1][2],
                                         "english"))
        return out

    def _cjk_in(self, text: str) -> list[_Hit]:
        keep = [i for i, c in enumerate(text) if not c.isspace()]
        if not any(_CJK.match(text[i]) for i in keep):
            return []
        compact = "".join(text[i] for i in keep).lower()
        tokens = pinyin_tokens(compact)
        out = [_to_match(self._forms[fid], self._forms[fid].weight, keep[a], keep[b - 1] + 1,
                         self._forms[fid].via) for a, b, fid in self._long_in(compact)]
        for fid, start in self._candidates(tokens).items():
            form = self._forms[fid]
            found = _place(compact, tokens, form, start)
            if found is not None:
                score, a, b, via, good = found
                out.append(_to_match(form, score * form.weight, keep[a], keep[b - 1] + 1, via,
                                     good))
        return out

    def _long_in(self, text: str) -> Iterable[tuple[int, int, int]]:
        for size in self._long_sizes:
            for a in range(len(text) - size + 1):
                for fid in self._long.get(text[a:a + size], ()):
                    yield a, a + size, fid

    def _candidates(self, tokens: Sequence[str]) -> dict[int, int]:
        """Forms sharing enough syllable pairs with the question, each with its likely start."""
        hits: dict[int, list[int]] = defaultdict(list)
        seen: set[tuple[int, int, int, int]] = set()  # one hit per pair, whatever the readings
        for i, j in _pairs(tokens):
            for key in _pair_keys(tokens[i], tokens[j]):
                for fid, pos in self._postings.get(key, ()):
                    mark = (fid, i, j, pos)
                    if mark not in seen:
                        seen.add(mark)
                        hits[fid].append(i - pos)
        out = {}
        for fid, starts in hits.items():
            n = len(self._forms[fid].text)
            if len(starts) >= max(1, int(0.4 * (2 * n - 3))):
                out[fid] = max(set(starts), key=lambda s: (starts.count(s), -s))
        return out


def _place(text: str, tokens: Sequence[str], form: _Form,
           start: int) -> tuple[float, int, int, str, int] | None:
    """(score, start, end, via, good characters) of form near text[start], or None."""
    n = len(form.text)
    lo, hi = max(0, start - 1), min(len(text), start + n + 1)
    at = text.find(form.text, lo, hi)
    if at >= 0:
        return 1.0, at, at + n, form.via, n
    score, a, b, good = _align(tokens[lo:hi], form.tokens)
    errors = max(n, b - a) - good
    if n <= 2 or errors > max(1, n // 4) or score < _MIN_SCORE:
        return None  # two characters are too few to tell a near miss from chance
    a, b = lo + a, lo + b
    same = b - a == n and all(_sim(tokens[a + k], form.tokens[k]) >= _HOMOPHONE
                              for k in range(n))
    return score, a, b, "pinyin" if same else "fuzzy", good


def _to_match(form: _Form, score: float, start: int, end: int, via: str,
              support: int | None = None) -> _Hit:
    e = form.entry
    match = EntityMatch(e.table, e.column, e.value, round(score, 4), start, end, via, key=e.key)
    return _Hit(match, end - start if support is None else support)


def _resolve(found: list[_Hit], margin: float) -> list[EntityMatch]:
    """Per mention, the best match and its rivals within margin (ambiguous when several rows).

    A match inside a longer mention with more characters right is part of that mention
    (电子 in 兴罚电子, 平安 in 平安银行) and is dropped first, whatever its score.
    """
    support: dict[tuple[int, int], int] = {}
    for h in found:
        span = (h.match.start, h.match.end)
        support[span] = max(support.get(span, 0), h.support)
    kept = [h.match for h in found if not any(
        a <= h.match.start and h.match.end <= b and b - a > h.match.end - h.match.start
        and s > h.support for (a, b), s in support.items())]
    order = sorted(kept, key=lambda m: (-m.score, m.start - m.end, m.start))
    taken = [False] * len(order)
    out: list[EntityMatch] = []
    for i, best in enumerate(order):
        if taken[i]:
            continue
        group: dict[tuple[str, str], EntityMatch] = {}
        for k in range(i, len(order)):
            m = order[k]
            if taken[k] or m.end <= best.start or best.end <= m.start:
                continue
            taken[k] = True
            row = (m.table, m.key)
            if m.score >= best.score - margin and row not in group:
                group[row] = m
        rivals = list(group.values())
        out += [replace(m, ambiguous=len(rivals) > 1) for m in rivals]
    return sorted(out, key=lambda m: (-m.score, m.start))
