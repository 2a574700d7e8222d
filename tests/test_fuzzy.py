"""EntityMatcher: securities mentions as speech recognition writes them."""

from __future__ import annotations

import random

import numpy as np
import pytest
from pypinyin import Style, pinyin

from nl2sql.demo.build import AS_OF_DATE, START_DATE
from nl2sql.demo.market import make_securities
from nl2sql.demo.reference import INDEXES, LARGE_CAPS
from nl2sql.demo.trading_calendar import open_days
from nl2sql.errors import InputError
from nl2sql.link.fuzzy import EntityMatch, EntityMatcher, pinyin_tokens

# Confusable names next to the large caps: homophone provinces, shared prefixes, an index code
# that is also a stock symbol (000001), and an industry whose name sits inside a company name.
EXTRA = [("000031.SZ", "山西银行"), ("000032.SZ", "陕西银行"), ("000040.SZ", "瑞丰机械"),
         ("000041.SZ", "瑞丰机电"), ("000042.SZ", "长城汽车"), ("000043.SZ", "重庆钢铁")]


def _entries() -> list[tuple[str, str, str, str]]:
    out: list[tuple[str, str, str, str]] = []
    for c in LARGE_CAPS:
        out += [("securities", "name", c.name, c.ts_code),
                ("securities", "ts_code", c.ts_code, c.ts_code),
                ("securities", "symbol", c.ts_code[:6], c.ts_code),
                ("securities", "full_name", c.full_name, c.ts_code),
                ("securities", "en_name", c.en_name, c.ts_code)]
    for code, name in EXTRA:
        out += [("securities", "name", name, code), ("securities", "ts_code", code, code)]
    for ix in INDEXES:
        out += [("index_info", "index_code", ix.code, ix.code),
                ("index_info", "index_name", ix.name, ix.code)]
    return out + [("industry", "industry_name", "银行", "801780"),
                  ("industry", "industry_name", "电子", "801080")]


@pytest.fixture(scope="module")
def matcher() -> EntityMatcher:
    return EntityMatcher.build(_entries())


def _top(m: EntityMatcher, text: str) -> EntityMatch:
    found = m.match(text)
    assert found, text
    return found[0]


@pytest.mark.parametrize(("text", "key", "via"), [
    ("贵州茅台最新收盘价是多少", "600519.SH", "exact"),
    ("贵州毛台最新收盘价是多少", "600519.SH", "pinyin"),
    ("宁德时带的成交额", "300750.SZ", "pinyin"),
    ("宁得时代今天涨了多少", "300750.SZ", "pinyin"),
    ("茅台的市值", "600519.SH", "alias"),
    ("万科今天涨了吗", "000002.SZ", "alias"),
    ("GZMT最新价", "600519.SH", "initials"),
    ("gzmt最新价", "600519.SH", "initials"),
    ("600519的收盘价", "600519.SH", "code"),
    ("600519.SH的收盘价", "600519.SH", "code"),
    ("SH600519的收盘价", "600519.SH", "code"),
    ("sh600519的收盘价", "600519.SH", "code"),
    ("６００５１９的收盘价", "600519.SH", "code"),
    ("贵州台最新收盘价", "600519.SH", "fuzzy"),
    ("贵茅州台最新收盘价", "600519.SH", "fuzzy"),
    ("贵州茅合最新收盘价", "600519.SH", "fuzzy"),
    ("长城汽车的销量", "000042.SZ", "exact"),
    ("常城汽车的销量", "000042.SZ", "pinyin"),
    ("重庆钢铁", "000043.SZ", "exact"),
    ("宁德时代新能源科技股份有限公司的注册地", "300750.SZ", "exact"),
    ("What is the close of Kweichow Moutai", "600519.SH", "english"),
    ("latest close of 中国平安", "601318.SH", "exact"),
    ("沪深300今天涨了多少", "000300.SH", "exact"),
])
def test_mentions(matcher: EntityMatcher, text: str, key: str, via: str) -> None:
    top = _top(matcher, text)
    assert (top.key, top.via) == (key, via)
    assert not top.ambiguous
    assert top.score >= 0.7


def test_homophone_scores_just_below_exact(matcher: EntityMatcher) -> None:
    exact, noisy = _top(matcher, "贵州茅台"), _top(matcher, "贵州毛台")
    assert exact.score == 1.0 and noisy.via == "pinyin" and 0.9 <= noisy.score < 1.0
    assert (noisy.start, noisy.end, noisy.value) == (0, 4, "贵州茅台")


def test_ambiguous_short_name_returns_both(matcher: EntityMatcher) -> None:
    found = matcher.match("平安的收盘价是多少")
    assert {m.value for m in found} == {"中国平安", "平安银行"}
    assert all(m.ambiguous and m.via == "alias" for m in found)
    english = matcher.match("ping an close price")
    assert {m.key for m in english} == {"601318.SH", "000001.SZ"} and english[0].ambiguous


def test_homophone_names_are_offered_as_rivals(matcher: EntityMatcher) -> None:
    found = matcher.match("山西银行今天涨了多少")
    assert [m.value for m in found] == ["山西银行", "陕西银行"]  # the exact text first
    assert found[0].score > found[1].score and all(m.ambiguous for m in found)


def test_codes_shared_by_a_stock_and_an_index(matcher: EntityMatcher) -> None:
    bare = matcher.match("000001最新点位")
    assert {(m.table, m.key) for m in bare} == {("securities", "000001.SZ"),
                                                ("index_info", "000001.SH")}
    assert all(m.ambiguous for m in bare)
    assert [(m.table, m.value) for m in matcher.match("000001.SH最新点位")] == \
        [("index_info", "000001.SH")]
    assert [(m.table, m.value) for m in matcher.match("SZ000001")] == \
        [("securities", "000001.SZ")]


def test_two_mentions_and_words_inside_names(matcher: EntityMatcher) -> None:
    found = matcher.match("中国平安和平安银行哪个涨得多")
    assert [(m.value, m.start, m.end, m.ambiguous) for m in found] == \
        [("中国平安", 0, 4, False), ("平安银行", 5, 9, False)]  # 银行 (industry) is inside
    found = matcher.match("银行股今天涨了多少")
    assert [(m.table, m.value) for m in found] == [("industry", "银行")]


@pytest.mark.parametrize("text", [
    "今天涨幅最大的股票是哪只", "最近五个交易日成交额前十的股票", "市盈率低于十倍的公司有哪些",
    "what is the average close price", "which stocks hit the limit today", "上个交易日的换手率",
])
def test_no_entity_in_generic_questions(matcher: EntityMatcher, text: str) -> None:
    assert matcher.match(text) == []


def test_lower_case_english_words_are_not_initials() -> None:
    m = EntityMatcher.build([("securities", "name", "万华安泰", "1"),
                             ("securities", "pinyin", "WHAT", "1")])
    assert m.match("what is the close") == []
    assert [x.key for x in m.match("WHAT close")] == ["1"]
    assert [x.via for x in m.match("WHAT的收盘价")] == ["exact"]


def test_offsets_survive_spaces_and_full_width() -> None:
    m = EntityMatcher.build([("securities", "name", "贵州茅台", "600519.SH")])
    text = "请问 贵州 毛台 的收盘价"
    top = m.match(text)[0]
    assert text[top.start:top.end] == "贵州 毛台" and top.via == "pinyin"


def test_limit_and_order(matcher: EntityMatcher) -> None:
    found = matcher.match("贵州茅台、五粮液、比亚迪和中国平安", limit=2)
    assert len(found) == 2 and all(m.score == 1.0 for m in found)
    assert len(matcher.match("贵州茅台、五粮液、比亚迪和中国平安")) == 4


def test_pinyin_tokens_use_context_readings() -> None:
    assert pinyin_tokens("长城")[0] == "长chang/zhang"
    assert pinyin_tokens("银行")[1] == "行hang/xing"
    assert pinyin_tokens("台")[0] == "台tai"  # its rare readings (yi, si) never match


def test_bad_input_raises_typed_errors(matcher: EntityMatcher) -> None:
    with pytest.raises(InputError):
        EntityMatcher.build([("securities", "name")])  # type: ignore[list-item]
    with pytest.raises(InputError):
        EntityMatcher.build([("securities", "name", 600519)])  # type: ignore[list-item]
    with pytest.raises(InputError):
        matcher.match(None)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        matcher.match("贵州茅台", limit=0)
    assert len(EntityMatcher.build([("t", "c", "  ")])) == 0


# --- a small noisy-name benchmark over generated demo securities ----------------------------

@pytest.fixture(scope="module")
def universe() -> tuple[list[tuple[str, str, str]], EntityMatcher]:
    days = open_days(START_DATE, AS_OF_DATE)
    _, sec = make_securities(np.random.default_rng(11), 0.4, days)
    rows = [(str(c), str(n), str(p)) for c, n, p in zip(sec["ts_code"], sec["name"],
                                                         sec["pinyin"], strict=True)]
    entries = [("securities", col, str(v), str(k)) for col in ("name", "pinyin", "ts_code",
                                                                "symbol", "full_name", "en_name")
               for v, k in zip(sec[col], sec["ts_code"], strict=True)]
    return rows, EntityMatcher.build(entries)


def _reading(ch: str) -> str:
    return pinyin(ch, style=Style.NORMAL)[0][0]


# Common characters to draw recognition errors from (test data, not a lexicon of the matcher).
POOL = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也"
        "能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实"
        "加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样")


def _homophone(name: str, rng: random.Random, names: set[str]) -> str | None:
    by_sound: dict[str, list[str]] = {}
    for ch in POOL:
        by_sound.setdefault(_reading(ch), []).append(ch)
    spots = [(i, c2) for i, c in enumerate(name) for c2 in by_sound.get(_reading(c), ())
             if c2 != c]
    rng.shuffle(spots)
    for i, c2 in spots:
        mention = name[:i] + c2 + name[i + 1:]
        if mention not in names:
            return mention
    return None


def test_noisy_names_of_generated_securities(universe) -> None:
    """Speed is measured by benchmarks/broadcast_linking.py, not asserted here."""
    rows, m = universe
    assert len(rows) >= 2000
    rng = random.Random(5)
    names = {n for _, n, _ in rows}
    sounds: dict[tuple[str, ...], int] = {}
    for _, n, _ in rows:
        key = tuple(_reading(c) for c in n)
        sounds[key] = sounds.get(key, 0) + 1
    hits = total = 0
    for code, name, _ in rng.sample(rows, 300):
        mentions = [name, code[:6], code.split(".")[1] + code[:6]]
        noisy = _homophone(name, rng, names)
        if noisy and sounds.get(tuple(_reading(c) for c in noisy), 0) <= 1:
            mentions.append(noisy)  # (one that sounds like two names is ambiguous by nature)
        for mention in mentions:
            found = m.match(f"{mention}最新收盘价是多少")
            total += 1
            hits += bool(found) and found[0].key == code
    assert total >= 1100 and hits / total >= 0.99, (hits, total)
