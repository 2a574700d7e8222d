"""Generate the broadcast question set: spoken-style Chinese market questions with gold SQL.

    python benchmarks/broadcast_set.py [--demo-dir ~/.local/share/nl2sql/demo] [--seed 11]
        [--out tests/fixtures/broadcast_questions.jsonl]

Templates (what a market broadcast asks) × securities / indexes / industries / funds ×
time expressions, with recognition-style noise on the names (the noise model of
broadcast_linking.py: homophones, near-homophones, dropped, swapped and wrong characters,
pinyin initials, code forms, aliases; inherently ambiguous mentions are left out), spoken
numbers (前十, 最近五个交易日, 十一月二十号, 沪深三百) and filler words (请问, 帮我查一下).
The gold SQL is written here, per template, from the demo's own calendar — never by the
parser — and every gold query is run: it must return rows, and a top-k must not cut
through a tie.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from broadcast_linking import Noise, Security  # noqa: E402  (a sibling script)

from nl2sql.demo import AS_OF_DATE  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEMO = Path("~/.local/share/nl2sql/demo").expanduser()
OUT = ROOT / "tests" / "fixtures" / "broadcast_questions.jsonl"
NOISES = ("exact", "exact", "homophone", "near_homophone", "drop", "swap", "wrong_char",
          "initials", "code", "alias")
FILLERS = ("", "", "请问", "帮我查一下", "我想知道", "那个")
ENDINGS = ("", "", "？", "呢")
ZH_NUM = {3: "三", 5: "五", 10: "十", 20: "二十", 2: "两"}
# security fields a day question asks for: spoken word -> daily_bar column
SEC_FIELDS = {"收盘价": "close", "开盘价": "open", "最高价": "high", "最低价": "low",
              "成交量": "vol", "成交额": "amount", "换手率": "turnover_rate",
              "涨跌幅": "pct_chg", "涨跌额": "change"}
IDX_FIELDS = {"收盘点位": "close", "涨跌幅": "pct_chg", "成交额": "amount", "涨跌点数": "change"}
TOP_KEYS = {"涨幅最大": ("pct_chg", "DESC"), "跌幅最大": ("pct_chg", "ASC"),
            "成交额最高": ("amount", "DESC"), "换手率最高": ("turnover_rate", "DESC"),
            "成交量最大": ("vol", "DESC")}
WINDOW_AGGS = {"最高价": ("MAX", "high"), "最低价": ("MIN", "low"),
               "平均成交额": ("AVG", "amount"), "累计成交额": ("SUM", "amount"),
               "累计涨跌额": ("SUM", "change"), "平均换手率": ("AVG", "turnover_rate")}


@dataclass(frozen=True)
class Item:
    kind: str
    question: str
    gold_sql: str
    noise: str


class Calendar:
    """The demo's open days, for the generator's own date arithmetic."""

    def __init__(self, days: list[date], as_of: date) -> None:
        self.days = [d for d in days if d <= as_of]
        self.as_of = as_of

    def last(self, n: int) -> tuple[date, date]:
        return self.days[-n], self.days[-1]

    def single_days(self) -> list[tuple[str, str]]:
        """(phrase, SQL date expression) for a day."""
        latest = "(SELECT MAX(trade_date) FROM {t})"
        prev = self.days[-2]
        some = [d for d in self.days[-8:-2]]
        out = [("今天", _d(self.as_of)), ("昨天", _d(date.fromordinal(self.as_of.toordinal() - 1))),
               ("上个交易日", _d(prev)), ("最新", latest), ("最近一个交易日", latest)]
        for d in some[:3]:
            out.append((f"{d.month}月{d.day}日", _d(d)))
        for d in some[3:]:
            out.append((f"{_zh(d.month)}月{_zh(d.day)}号", _d(d)))
        return out

    def periods(self) -> list[tuple[str, date, date]]:
        a = self.as_of
        month_start = date(a.year, a.month, 1)
        prev_end = date.fromordinal(month_start.toordinal() - 1)
        monday = date.fromordinal(a.toordinal() - a.weekday())
        out = [("本月", month_start, a), ("上个月", date(prev_end.year, prev_end.month, 1),
                                        prev_end),
               ("今年以来", date(a.year, 1, 1), a), ("年初至今", date(a.year, 1, 1), a),
               ("本周", monday, a)]
        for n in (3, 5, 10, 20):
            lo, hi = self.last(n)
            out.append((f"最近{_spoken_n(n)}个交易日", lo, hi))
        return out


def _d(d: date) -> str:
    return f"DATE '{d.isoformat()}'"


def _zh(n: int) -> str:
    """1..31 in Chinese numerals (十一, 二十四)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else "")


def _spoken_n(n: int) -> str:
    return ZH_NUM[n] if random.random() < 0.6 and n in ZH_NUM else str(n)


def _spoken(text: str) -> str:
    """Index names read aloud: 沪深300 → 沪深三百 (half the time)."""
    spoken = {"300": "三百", "50": "五十", "500": "五百"}
    for digits, words in spoken.items():
        if text.endswith(digits) and random.random() < 0.5:
            return text[: -len(digits)] + words
    return text


def _wrap(question: str) -> str:
    return random.choice(FILLERS) + question + random.choice(ENDINGS)


class Generator:
    def __init__(self, con: duckdb.DuckDBPyConnection, seed: int) -> None:
        random.seed(seed)
        self.con = con
        days = [r[0] for r in con.execute(
            "SELECT cal_date FROM trade_calendar WHERE is_open ORDER BY cal_date").fetchall()]
        self.cal = Calendar(days, AS_OF_DATE)
        secs = [Security(*r) for r in con.execute(
            "SELECT ts_code, symbol, name, pinyin FROM securities ORDER BY ts_code").fetchall()]
        listed = {r[0] for r in con.execute(
            "SELECT ts_code FROM daily_bar WHERE trade_date >= DATE '2026-01-05' "
            "GROUP BY ts_code HAVING count(*) > 200").fetchall()}
        self.secs = [s for s in secs if s.ts_code in listed]
        self.noise = Noise(secs, random.Random(seed))
        self.indexes = con.execute("SELECT index_code, index_name FROM index_info").fetchall()
        self.industries = [r[0] for r in con.execute(
            "SELECT industry_name FROM industry").fetchall()]
        self.funds = con.execute(
            "SELECT f.fund_code, f.fund_name FROM fund_info f JOIN fund_nav n USING (fund_code) "
            "WHERE n.nav_date = DATE '2026-11-24' ORDER BY 1").fetchall()

    def security(self) -> tuple[Security, str, str]:
        """A security, its noisy mention, and the noise applied."""
        while True:
            sec = random.choice(self.secs)
            noise = random.choice(NOISES)
            made = self.noise.make(noise, sec)
            if made is not None and not made[1]:
                return sec, made[0], noise

    def ok(self, sql: str, top: str | None = None) -> bool:
        """Gold runs and has rows; a top-k ends before a tie on its ranking key."""
        rows = self.con.execute(sql).fetchall()
        if not rows or rows == [(None,)] or rows == [(0,)]:
            return False
        if top is not None:
            k = len(rows)
            more = self.con.execute(sql.replace(f"LIMIT {k}", f"LIMIT {k + 1}")).fetchall()
            return len(more) == k + 1 and more[k][-1] != rows[-1][-1]
        return True

    # --- templates ---------------------------------------------------------------------

    def sec_day(self) -> Item:
        sec, mention, noise = self.security()
        phrase, day = random.choice(self.cal.single_days())
        word, col = random.choice(list(SEC_FIELDS.items()))
        if col == "pct_chg" and random.random() < 0.5:
            word = random.choice(["涨了多少", "涨幅是多少"])
        forms = [f"{mention}{phrase}{word}", f"{phrase}{mention}的{word}是多少",
                 f"{mention}{phrase}的{word}"]
        if mention[-1].isdigit() and phrase[0].isdigit():
            forms = [f"{phrase}{mention}的{word}"]
        q = random.choice(forms if word in SEC_FIELDS or len(forms) == 1 else forms[:1])
        sql = (f"SELECT d.{col} FROM daily_bar d WHERE d.ts_code = '{sec.ts_code}' "
               f"AND d.trade_date = {day.format(t='daily_bar')}")
        return Item("security_day", _wrap(q), sql, noise)

    def index_day(self) -> Item:
        code, name = random.choice(self.indexes)
        phrase, day = random.choice(self.cal.single_days())
        word, col = random.choice(list(IDX_FIELDS.items()))
        if col == "close" and random.random() < 0.5:
            word = random.choice(["收盘多少点", "收在多少点"])
        mention = _spoken(name)
        # digits do not run into a spoken date (沪深300 11月13日 would read as one number)
        glued = mention[-1].isdigit() and phrase[0].isdigit()
        q = random.choice([f"{phrase}{mention}{word}"] + ([] if glued else
                                                         [f"{mention}{phrase}{word}"]))
        sql = (f"SELECT i.{col} FROM index_daily i WHERE i.index_code = '{code}' "
               f"AND i.trade_date = {day.format(t='index_daily')}")
        return Item("index_day", _wrap(q), sql, "spoken" if mention != name else "exact")

    def top_day(self, industry: bool) -> Item:
        phrase, day = random.choice(self.cal.single_days())
        words, (col, direction) = random.choice(list(TOP_KEYS.items()))
        k = random.choice([3, 5, 10])
        count = random.choice([f"前{_spoken_n(k)}", f"{_spoken_n(k)}只"])
        where = f"d.trade_date = {day.format(t='daily_bar')}"
        join = "JOIN securities s ON s.ts_code = d.ts_code"
        scope = ""
        if industry:
            ind = random.choice(self.industries)
            join += " JOIN industry n ON n.industry_code = s.industry_code"
            where += f" AND n.industry_name = '{ind}'"
            scope = ind + random.choice(["行业", "板块", ""])
        if count.startswith("前"):
            q = f"{phrase}{scope}{words}的{count}只股票"
        else:
            q = f"{phrase}{scope}{words}的{count}股票"
        sql = (f"SELECT s.name, d.{col} FROM daily_bar d {join} WHERE {where} "
               f"ORDER BY d.{col} {direction} LIMIT {k}")
        return Item("top_industry" if industry else "top_day", _wrap(q), sql, "spoken")

    def window_list(self) -> Item:
        sec, mention, noise = self.security()
        n = random.choice([3, 5, 10])
        lo, hi = self.cal.last(n)
        word, col = random.choice([("收盘价", "close"), ("成交额", "amount"),
                                   ("涨跌幅", "pct_chg")])
        q = f"{mention}最近{_spoken_n(n)}个交易日的{word}"
        sql = (f"SELECT d.trade_date, d.{col} FROM daily_bar d WHERE d.ts_code = "
               f"'{sec.ts_code}' AND d.trade_date BETWEEN {_d(lo)} AND {_d(hi)} "
               "ORDER BY d.trade_date")
        return Item("window_list", _wrap(q), sql, noise)

    def window_agg(self) -> Item:
        sec, mention, noise = self.security()
        phrase, lo, hi = random.choice(self.cal.periods())
        word, (agg, col) = random.choice(list(WINDOW_AGGS.items()))
        q = random.choice([f"{mention}{phrase}的{word}", f"{mention}{phrase}{word}是多少"])
        sql = (f"SELECT {agg}(d.{col}) FROM daily_bar d WHERE d.ts_code = '{sec.ts_code}' "
               f"AND d.trade_date BETWEEN {_d(lo)} AND {_d(hi)}")
        return Item("window_agg", _wrap(q), sql, noise)

    def window_change(self) -> Item:
        """区间涨跌幅: compounded over the window (the plan cannot express it yet)."""
        sec, mention, noise = self.security()
        phrase, lo, hi = random.choice(self.cal.periods())
        q = f"{mention}{phrase}的区间涨跌幅"
        sql = (f"SELECT (SELECT close FROM daily_bar WHERE ts_code = '{sec.ts_code}' AND "
               f"trade_date = (SELECT MAX(trade_date) FROM daily_bar WHERE ts_code = "
               f"'{sec.ts_code}' AND trade_date <= {_d(hi)})) / (SELECT pre_close FROM "
               f"daily_bar WHERE ts_code = '{sec.ts_code}' AND trade_date = (SELECT "
               f"MIN(trade_date) FROM daily_bar WHERE ts_code = '{sec.ts_code}' AND "
               f"trade_date >= {_d(lo)})) * 100 - 100")
        return Item("window_change", _wrap(q), sql, noise)

    def breadth(self, industry: bool) -> Item:
        phrase, day = random.choice([d for d in self.cal.single_days()])
        up = random.random() < 0.5
        verb = "上涨" if up else "下跌"
        where = f"d.trade_date = {day.format(t='daily_bar')} AND d.pct_chg {'>' if up else '<'} 0"
        join, scope = "", ""
        if industry:
            ind = random.choice(self.industries)
            join = ("JOIN securities s ON s.ts_code = d.ts_code JOIN industry n "
                    "ON n.industry_code = s.industry_code ")
            where += f" AND n.industry_name = '{ind}'"
            scope = ind + random.choice(["行业", "板块"])
        q = random.choice([f"{phrase}{scope}有多少只股票{verb}", f"{phrase}{scope}{verb}的股票有几只",
                           f"{phrase}{scope}多少只股票{verb}"])
        sql = f"SELECT COUNT(*) FROM daily_bar d {join}WHERE {where}"
        return Item("breadth", _wrap(q), sql, "exact")

    def fund_nav(self) -> Item:
        code, name = random.choice(self.funds)
        word, col = random.choice([("单位净值", "unit_nav"), ("净值", "unit_nav"),
                                   ("累计净值", "accum_nav")])
        phrase, day = random.choice([("最新", "(SELECT MAX(nav_date) FROM fund_nav)"),
                                     ("今天", _d(self.cal.as_of)),
                                     ("上个交易日", _d(self.cal.days[-2]))])
        q = random.choice([f"{name}{phrase}{word}是多少", f"{phrase}{name}的{word}"])
        sql = (f"SELECT f.{col} FROM fund_nav f WHERE f.fund_code = '{code}' "
               f"AND f.nav_date = {day}")
        return Item("fund_nav", _wrap(q), sql, "exact")


def generate(con: duckdb.DuckDBPyConnection, seed: int) -> list[Item]:
    g = Generator(con, seed)
    plan: list[tuple[int, Callable[[], Item]]] = [
        (60, g.sec_day), (30, g.index_day), (25, lambda: g.top_day(False)),
        (15, lambda: g.top_day(True)), (20, g.window_list), (30, g.window_agg),
        (8, g.window_change), (10, lambda: g.breadth(False)), (10, lambda: g.breadth(True)),
        (20, g.fund_nav)]
    items: list[Item] = []
    seen: set[str] = set()
    for count, make in plan:
        made = 0
        while made < count:
            item = make()
            top = "top" if item.kind.startswith("top") else None
            if item.question in seen or not g.ok(item.gold_sql, top):
                continue
            seen.add(item.question)
            items.append(item)
            made += 1
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-dir", type=Path, default=DEFAULT_DEMO)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with duckdb.connect(str(args.demo_dir / "trading.duckdb"), read_only=True) as con:
        items = generate(con, args.seed)
    with args.out.open("w", encoding="utf-8") as f:
        for i, it in enumerate(items, 1):
            f.write(json.dumps({"id": f"bc-{i:03d}", "db_id": "trading", "lang": "zh",
                                "question": it.question, "gold_sql": it.gold_sql,
                                "query_category": it.kind, "hardness": it.noise},
                               ensure_ascii=False) + "\n")
    print(f"{len(items)} questions -> {args.out}")


if __name__ == "__main__":
    main()
