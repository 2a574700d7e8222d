"""Spoken numbers rewritten as digits (names left alone) and amounts rendered for speech."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from nl2sql.demo.build import AS_OF_DATE, START_DATE
from nl2sql.demo.market import make_securities
from nl2sql.demo.trading_calendar import open_days
from nl2sql.errors import InputError
from nl2sql.link.spoken import (
    fold_width,
    format_amount,
    format_amount_en,
    format_amount_zh,
    names_to_protect,
    normalize_spoken,
    parse_en_number,
    parse_zh_number,
    rewrite_spoken,
)

REWRITES = [
    # Chinese numbers before units, after markers, as years and codes
    ("二零二四年", "2024年"),
    ("二〇二五年", "2025年"),
    ("一千五百万", "15000000"),
    ("成交额超过一千五百万元", "成交额超过15000000元"),
    ("3亿", "300000000"),
    ("市值3亿以上", "市值300000000以上"),
    ("1.5万", "15000"),
    ("3千万", "30000000"),
    ("2.35亿元", "235000000元"),
    ("一万五", "15000"),
    ("三万二千", "32000"),
    ("一亿五千万", "150000000"),
    ("十万股", "100000股"),
    ("三点五亿元", "350000000元"),
    ("百分之三", "3%"),
    ("百分之三点五", "3.5%"),
    ("百分之十五", "15%"),
    ("涨幅超过百分之5", "涨幅超过5%"),
    ("千分之五", "5‰"),
    ("前十", "前10"),
    ("成交额前十的股票", "成交额前10的股票"),
    ("前二十名", "前20名"),
    ("十二月", "12月"),
    ("三月五号", "3月5号"),
    ("五号", "5号"),
    ("十二月三十一日", "12月31日"),
    ("两千", "2000"),
    ("第三", "第3"),
    ("第十二名", "第12名"),
    ("一百零五", "105"),
    ("一千零二十四", "1024"),
    ("最近五个交易日", "最近5个交易日"),
    ("近一年", "近1年"),
    ("两只股票", "2只股票"),
    ("三个百分点", "3个百分点"),
    ("六零零五一九", "600519"),
    ("零零零零零一", "000001"),
    ("高于一百的股票", "高于100的股票"),
    ("涨了三十点", "涨了30点"),
    ("2024年一季度", "2024年1季度"),
    # names and words with numeral characters stay as they are
    ("三一重工", "三一重工"),
    ("五粮液的收盘价", "五粮液的收盘价"),
    ("中国平安", "中国平安"),
    ("万科A", "万科A"),
    ("千禾啤酒", "千禾啤酒"),
    ("百合电子", "百合电子"),
    ("江苏百货", "江苏百货"),
    ("九洲微电", "九洲微电"),
    ("四川鞋业", "四川鞋业"),
    ("中天零售", "中天零售"),
    ("三友轮胎", "三友轮胎"),
    ("十堰", "十堰"),
    ("周一的收盘价", "周一的收盘价"),
    ("查一下", "查一下"),
    ("十分重要", "十分重要"),
    ("万一跌停", "万一跌停"),
    ("600519的收盘价", "600519的收盘价"),
    ("2024年3月5日", "2024年3月5日"),
    # English number words
    ("top ten stocks", "top 10 stocks"),
    ("twenty-five", "25"),
    ("one hundred and five", "105"),
    ("1.5 million", "1500000"),
    ("3 billion", "3000000000"),
    ("2 thousand", "2000"),
    ("ten million shares", "10000000 shares"),
    ("five percent", "5%"),
    ("3 percent", "3%"),
    ("two point five percent", "2.5%"),
    ("last five trading days", "last 5 trading days"),
    ("past one year", "past 1 year"),
    ("a hundred", "100"),
    ("which one is higher", "which one is higher"),
    ("one of them", "one of them"),
    ("a stock", "a stock"),
    ("Ten Cent", "10 Cent"),
    ("often", "often"),
    ("Kweichow Moutai", "Kweichow Moutai"),
]


@pytest.mark.parametrize(("spoken", "written"), REWRITES, ids=[r[0] for r in REWRITES])
def test_rewrite(spoken: str, written: str) -> None:
    assert normalize_spoken(spoken) == written


def test_enough_cases() -> None:
    assert len(REWRITES) >= 60


def test_protected_names_are_never_rewritten() -> None:
    text = "华大九天和九号公司近五个交易日涨了百分之三"
    assert normalize_spoken(text) == "华大9天和9号公司近5个交易日涨了3%"
    assert normalize_spoken(text, protect={"华大九天", "九号公司"}) == \
        "华大九天和九号公司近5个交易日涨了3%"


def test_demo_security_names_survive() -> None:
    days = open_days(START_DATE, AS_OF_DATE)
    _, securities = make_securities(np.random.default_rng(3), 0.5, days)
    names = [str(n) for n in securities["name"]]
    touched = [n for n in names if normalize_spoken(f"{n}的收盘价") != f"{n}的收盘价"]
    assert len(touched) <= len(names) // 500  # a name like 华大九天 reads as "9 days"
    assert all(normalize_spoken(f"{n}的收盘价", protect=names) == f"{n}的收盘价" for n in names)
    protect = names_to_protect(names)
    assert protect == set(touched)
    assert all(normalize_spoken(f"{n}近五天", protect=protect) == f"{n}近5天" for n in names)


def test_offset_map_points_back_to_the_spoken_words() -> None:
    text = "成交额一千五百万以上的前十只股票"
    out = rewrite_spoken(text)
    assert out.text == "成交额15000000以上的前10只股票"
    at = out.text.index("15000000")
    a, b = out.original_span(at, at + 8)
    assert text[a:b] == "一千五百万"
    at = out.text.index("10")
    assert text[slice(*out.original_span(at, at + 2))] == "十"
    assert text[slice(*out.original_span(0, 3))] == "成交额"
    with pytest.raises(InputError):
        out.original_span(5, 500)


def test_full_width_folds_one_for_one() -> None:
    assert fold_width("６００５１９．ＳＨ　ＧＺＭＴ") == "600519.SH GZMT"
    assert normalize_spoken("涨幅超过５％") == "涨幅超过5%"


@pytest.mark.parametrize(("text", "value"), [
    ("零", "0"), ("十", "10"), ("十五", "15"), ("二十", "20"), ("一百二", "120"),
    ("两万", "20000"), ("一万亿", "1000000000000"), ("三点一四", "3.14"), ("1.5万亿", "1500000000000"),
    ("五五", "55"), ("十十", None), ("点五", None), ("三点", None), ("abc", None),
])
def test_parse_zh_number(text: str, value: str | None) -> None:
    assert parse_zh_number(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("zero", "0"), ("nineteen", "19"), ("ninety-nine", "99"), ("a thousand", "1000"),
    ("two hundred thousand", "200000"), ("1.25 billion", "1250000000"), ("point", None),
    ("five apples", None),
])
def test_parse_en_number(text: str, value: str | None) -> None:
    assert parse_en_number(text) == value


@pytest.mark.parametrize(("value", "zh", "en"), [
    (1234567890, "12.35亿", "1.23 billion"),
    (56780, "5.68万", "56.78 thousand"),
    (999, "999", "999"),
    (5678000, "567.8万", "5.68 million"),
    (100000000, "1亿", "100 million"),
    (99999999, "1亿", "100 million"),
    (99995, "10万", "100 thousand"),
    (9999.999, "1万", "10000"),
    (12.345, "12.35", "12.35"),
    (0, "0", "0"),
    (-15000, "-1.5万", "-15 thousand"),
    (-0.001, "0", "0"),
    (2.5e12, "2.5万亿", "2.5 trillion"),
    (Decimal("3000000000.50"), "30亿", "3 billion"),
])
def test_format_amounts(value: float, zh: str, en: str) -> None:
    assert format_amount_zh(value) == zh
    assert format_amount_en(value) == en
    assert format_amount(value, "zh") == zh and format_amount(value, "en") == en


def test_format_amount_precision_and_errors() -> None:
    assert format_amount_zh(1234567890, digits=1) == "12.3亿"
    assert format_amount_en(1234567890, digits=0) == "1 billion"
    for bad in (float("nan"), float("inf"), "12", True, None):
        with pytest.raises(InputError):
            format_amount_zh(bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        format_amount(1, "fr")
    with pytest.raises(InputError):
        normalize_spoken(123)  # type: ignore[arg-type]
