"""Plausible synthetic names: companies (zh short/full, pinyin initials, English), people."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pypinyin import Style, lazy_pinyin

from nl2sql.demo.reference import PROVINCE_WEIGHTS, Industry

__all__ = ["CompanyName", "company_names", "person_names", "pinyin_initials", "pinyin_word"]


def pinyin_initials(text: str) -> str:
    """Upper-case pinyin initials; non-Chinese characters are kept.

    >>> pinyin_initials("贵州茅台"), pinyin_initials("万科A")
    ('GZMT', 'WKA')
    """
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).upper()


def pinyin_word(text: str) -> str:
    """Toneless pinyin as one capitalised word.

    >>> pinyin_word("长城")
    'Changcheng'
    """
    return "".join(lazy_pinyin(text)).capitalize()


@dataclass(frozen=True)
class CompanyName:
    short: str
    full: str
    en: str
    province: str


_FULL_SUFFIXES = ("股份有限公司", "科技股份有限公司", "集团股份有限公司")
_FINANCIAL_WORDS = frozenset({"银行", "证券", "信托", "保险", "期货"})


def company_names(
    rng: np.random.Generator,
    industries: list[Industry],
    prefixes: tuple[tuple[str, str | None], ...],
    taken: set[str],
) -> list[CompanyName]:
    """One unique name per requested industry: region/brand word + industry word."""
    provinces = [p for p, _ in PROVINCE_WEIGHTS]
    weights = np.array([w for _, w in PROVINCE_WEIGHTS], dtype=float)
    weights /= weights.sum()
    names: list[CompanyName] = []
    for ind in industries:
        for _ in range(200):
            pre, region = prefixes[rng.integers(len(prefixes))]
            word, word_en = ind.words[rng.integers(len(ind.words))]
            short = pre + word
            if short not in taken:
                break
        else:  # every combination of this industry is taken: add a distinguishing character
            short = pre + word[0] + "新" + word[1:]
        taken.add(short)
        province = region or provinces[rng.choice(len(provinces), p=weights)]
        names.append(_full_name(rng, short, word, word_en, pre, region, province))
    return names


def _full_name(
    rng: np.random.Generator, short: str, word: str, word_en: str, pre: str,
    region: str | None, province: str,
) -> CompanyName:
    suffix = "股份有限公司" if word in _FINANCIAL_WORDS else _FULL_SUFFIXES[rng.integers(3)]
    lead = province if region is None and rng.random() < 0.5 else ""
    en = f"{pinyin_word(lead) + ' ' if lead else ''}{pinyin_word(pre)} {word_en} Co., Ltd."
    return CompanyName(short, lead + short + suffix, en, province)


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林建国志文博海峰晨阳睿哲"
_FEMALE = "芳娜敏静丽艳娟霞秀玲婷雪慧莹颖琳晶欣怡佳璐倩萍红梅兰月悦彤琪瑶媛洁雅蕾薇菲楠"


def person_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Chinese names (surname + one or two given characters) as an object array."""
    n = len(male)
    # Common surnames are much more frequent: a Zipf-like weighting over the list order.
    sw = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** 0.9
    surname = rng.choice(len(_SURNAMES), size=n, p=sw / sw.sum())
    two = rng.random(n) < 0.7
    g1 = rng.integers(0, 10_000, n)
    g2 = rng.integers(0, 10_000, n)
    out = np.empty(n, dtype=object)
    for i in range(n):
        chars = _MALE if male[i] else _FEMALE
        given = chars[g1[i] % len(chars)] + (chars[g2[i] % len(chars)] if two[i] else "")
        out[i] = _SURNAMES[surname[i]] + given
    return out
