"""Broadcast linking: noisy securities mentions and trading-calendar time expressions.

    python benchmarks/broadcast_linking.py [--demo-dir ~/.local/share/nl2sql/demo] [--seed 7]

Entity linking: an EntityMatcher over the demo warehouse's securities (name, pinyin, codes,
full and English names), indexes and industries. For EVERY security, noisy mentions are
generated with the noise model below and embedded in a question template; a mention counts
when the top match is that security. A mention that another security explains equally well
(山西X行 when both 山西银行 and 陕西银行 exist) is inherently ambiguous: it is reported apart,
as whether the matcher flagged it and kept the target among the candidates.

Noise model (seeded, using pypinyin readings of common characters from jieba's dictionary):
exact; homophone (one character replaced by another with the same toneless reading);
near_homophone (zh/z, ch/c, sh/s, n/l, -ng/-n); drop (one character of a 4+ character name);
swap (two adjacent characters); wrong_char (one character replaced by an unrelated one);
initials (the pinyin column, where unique); code (600519 / 600519.SH / SH600519 / sh600519);
alias (a first or last two characters that name one security and are not an everyday word).

Time expressions: tests/fixtures/time_expressions.jsonl against the demo calendar.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import jieba
from pypinyin import Style, pinyin
from rich.progress import track

from nl2sql.demo import build_demo
from nl2sql.demo.trading_calendar import open_days, to_date
from nl2sql.link.fuzzy import COMMON_WORD_FREQ, EntityMatcher
from nl2sql.link.timeexpr import TradingCalendar, resolve_times

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEMO = Path("~/.local/share/nl2sql/demo").expanduser()
TEMPLATES = ("{m}最新收盘价是多少", "{m}今天涨了多少", "请问{m}的成交额", "帮我查一下{m}的市值",
             "{m}近五个交易日的走势", "{m}上个交易日的换手率")
NOISES = ("exact", "homophone", "near_homophone", "drop", "swap", "wrong_char", "initials",
          "code", "alias")
_NEAR = ((re.compile(r"^([zcs])h"), r"\1"), (re.compile(r"^n(?!g)"), "l"),
         (re.compile(r"([ei])ng$"), r"\1n"), (re.compile(r"ang$"), "an"))


@dataclass(frozen=True)
class Security:
    ts_code: str
    symbol: str
    name: str
    pinyin: str


@dataclass(frozen=True)
class Sample:
    noise: str
    ts_code: str
    mention: str
    question: str
    inherent: bool  # another security explains the mention equally well


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def read(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def load_entries(db: Path) -> tuple[list[tuple[str, str, str, str]], list[Security]]:
    entries: list[tuple[str, str, str, str]] = []
    for col in ("name", "pinyin", "ts_code", "symbol", "full_name", "en_name"):
        entries += [("securities", col, v, k)
                    for v, k in read(db, f'SELECT "{col}", ts_code FROM securities')]
    for col in ("index_code", "index_name", "en_name"):
        entries += [("index_info", col, v, k)
                    for v, k in read(db, f'SELECT "{col}", index_code FROM index_info')]
    entries += [("industry", "industry_name", v, k)
                for v, k in read(db, "SELECT industry_name, industry_code FROM industry")]
    secs = [Security(*r) for r in read(
        db, "SELECT ts_code, symbol, name, pinyin FROM securities ORDER BY ts_code")]
    return entries, secs


# --- the noise model --------------------------------------------------------------------

def reading(ch: str) -> str:
    return pinyin(ch, style=Style.NORMAL, errors="ignore")[0][0] if "\u3400" <= ch <= "\u9fff" \
        else ch


def near(r: str) -> str:
    for pattern, repl in _NEAR:
        r = pattern.sub(repl, r)
    return r


def common_chars(limit: int = 3000) -> list[str]:
    """The characters of frequent jieba words, most frequent first."""
    text = Path(jieba.__file__).with_name("dict.txt").read_text(encoding="utf-8")
    counts: Counter[str] = Counter()
    for m in re.finditer(r"^(\S+) (\d+)", text, re.M):
        for ch in m.group(1):
            if "\u4e00" <= ch <= "\u9fff":
                counts[ch] += int(m.group(2))
    return [c for c, _ in counts.most_common(limit)]


class Noise:
    """Recognition-style corruptions of a name, with a check for inherent ambiguity."""

    def __init__(self, secs: list[Security], rng: random.Random) -> None:
        self.rng = rng
        self.pool = common_chars()
        self.by_reading: dict[str, list[str]] = defaultdict(list)
        self.by_near: dict[str, list[str]] = defaultdict(list)
        for ch in self.pool:
            self.by_reading[reading(ch)].append(ch)
            self.by_near[near(reading(ch))].append(ch)
        self.names = {s.name: s for s in secs}
        self.sounds: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for s in secs:
            self.sounds[tuple(reading(c) for c in s.name)].add(s.name)
        # names by one masked, dropped or swapped character, to find rivals without a scan
        self.masked: dict[str, set[str]] = defaultdict(set)
        self.dropped: dict[str, set[str]] = defaultdict(set)
        self.swapped: dict[str, set[str]] = defaultdict(set)
        for s in secs:
            n = s.name
            for k in range(len(n)):
                self.masked[n[:k] + "*" + n[k + 1:]].add(n)
                self.dropped[n[:k] + n[k + 1:]].add(n)
                if k + 1 < len(n):
                    self.swapped[n[:k] + n[k + 1] + n[k] + n[k + 2:]].add(n)
        self.pinyin_count = Counter(s.pinyin for s in secs)
        parts: Counter[str] = Counter()
        for s in secs:
            if len(s.name) == 4:
                parts.update({s.name[:2], s.name[2:]})
        self.parts = parts
        text = Path(jieba.__file__).with_name("dict.txt").read_text(encoding="utf-8")
        self.common = {m.group(1) for m in re.finditer(r"^(\S\S) (\d+)", text, re.M)
                       if int(m.group(2)) >= COMMON_WORD_FREQ}

    def make(self, noise: str, sec: Security) -> tuple[str, bool] | None:
        """(mention, inherently ambiguous) or None when this noise does not apply.

        Whatever the noise, a mention that sounds exactly like another security's name
        (莞东啤酒 from 东莞啤酒 sounds like 广东啤酒) is inherently ambiguous for speech.
        """
        made = getattr(self, noise)(sec)
        if made is None or noise == "exact":
            return made
        mention, inherent = made
        sounds = self.sounds.get(tuple(reading(c) for c in mention), set())
        return mention, inherent or bool(sounds - {sec.name})

    def exact(self, sec: Security) -> tuple[str, bool]:
        return sec.name, False

    def _substitute(self, sec: Security, pick: Callable[[str], list[str]],
                    same: Callable[[str, str], bool]) -> tuple[str, bool] | None:
        spots = [i for i, c in enumerate(sec.name) if "\u4e00" <= c <= "\u9fff"]
        self.rng.shuffle(spots)
        for i in spots:
            options = [c for c in pick(sec.name[i]) if c != sec.name[i]]
            if options:
                mention = sec.name[:i] + self.rng.choice(options) + sec.name[i + 1:]
                if mention in self.names:
                    continue
                return mention, self._rivals(mention, sec, same)
        return None

    def _rivals(self, mention: str, sec: Security, same: Callable[[str, str], bool]) -> bool:
        """Whether another name is one such substitution away from the mention too."""
        near_names = {n for k in range(len(mention))
                      for n in self.masked.get(mention[:k] + "*" + mention[k + 1:], ())}
        return any(n != sec.name and all(same(a, b) for a, b in zip(mention, n, strict=True)
                                         if a != b) for n in near_names)

    def homophone(self, sec: Security) -> tuple[str, bool] | None:
        return self._substitute(sec, lambda c: self.by_reading[reading(c)],
                                lambda a, b: reading(a) == reading(b))

    def near_homophone(self, sec: Security) -> tuple[str, bool] | None:
        def pick(c: str) -> list[str]:
            r = reading(c)
            return [x for x in self.by_near[near(r)] if reading(x) != r]
        return self._substitute(sec, pick, lambda a, b: near(reading(a)) == near(reading(b)))

    def wrong_char(self, sec: Security) -> tuple[str, bool] | None:
        def pick(c: str) -> list[str]:
            r = near(reading(c))
            return [x for x in self.rng.sample(self.pool, 20) if near(reading(x)) != r]
        return self._substitute(sec, pick, lambda a, b: True)

    def drop(self, sec: Security) -> tuple[str, bool] | None:
        if len(sec.name) < 4:
            return None
        i = self.rng.randrange(len(sec.name))
        mention = sec.name[:i] + sec.name[i + 1:]
        if mention in self.names:
            return None
        return mention, bool(self.dropped[mention] - {sec.name})

    def swap(self, sec: Security) -> tuple[str, bool] | None:
        if len(sec.name) < 3:
            return None
        i = self.rng.randrange(len(sec.name) - 1)
        chars = list(sec.name)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
        mention = "".join(chars)
        if mention == sec.name or mention in self.names:
            return None
        return mention, bool(self.swapped[mention] - {sec.name})

    def initials(self, sec: Security) -> tuple[str, bool] | None:
        return (sec.pinyin, False) if self.pinyin_count[sec.pinyin] == 1 else None

    def code(self, sec: Security) -> tuple[str, bool]:
        digits, exchange = sec.ts_code.split(".")
        form = self.rng.choice((digits, sec.ts_code, exchange + digits, exchange.lower() + digits))
        return form, False

    def alias(self, sec: Security) -> tuple[str, bool] | None:
        if len(sec.name) != 4:
            return None
        options = [p for p in (sec.name[:2], sec.name[2:])
                   if self.parts[p] == 1 and p not in self.common and p not in self.names]
        return (self.rng.choice(options), False) if options else None


def samples(secs: list[Security], seed: int) -> list[Sample]:
    rng = random.Random(seed)
    noise = Noise(secs, rng)
    out = []
    for k, sec in enumerate(secs):
        for noise_type in NOISES:
            made = noise.make(noise_type, sec)
            if made is None:
                continue
            mention, inherent = made
            question = TEMPLATES[(k + len(out)) % len(TEMPLATES)].format(m=mention)
            out.append(Sample(noise_type, sec.ts_code, mention, question, inherent))
    return out


# --- evaluation --------------------------------------------------------------------------

def evaluate(matcher: EntityMatcher, items: list[Sample]) -> dict:
    by_noise: dict[str, Counter[str]] = defaultdict(Counter)
    latencies: list[float] = []
    misses: list[tuple[Sample, str]] = []
    for s in track(items, description="matching noisy mentions"):
        start = time.perf_counter()
        found = matcher.match(s.question)
        latencies.append((time.perf_counter() - start) * 1000)
        top = found[0] if found else None
        hit = top is not None and top.table == "securities" and top.key == s.ts_code
        c = by_noise[s.noise]
        if s.inherent:
            c["inherent"] += 1
            c["inherent_flagged"] += bool(top and top.ambiguous)
            c["inherent_kept"] += any(m.table == "securities" and m.key == s.ts_code
                                      for m in found)
            continue
        c["n"] += 1
        c["top1"] += hit
        c["ambiguous"] += bool(top and top.ambiguous)
        if not hit:
            misses.append((s, f"{top.value} ({top.via}, {top.score})" if top else "nothing"))
    return {"by_noise": by_noise, "latencies": latencies, "misses": misses}


def time_table(cal: TradingCalendar) -> tuple[int, int]:
    rows = [json.loads(line) for line in
            (ROOT / "tests" / "fixtures" / "time_expressions.jsonl").read_text().splitlines()
            if line.strip()]
    passed = 0
    for r in rows:
        got = resolve_times(r["text"], as_of=date.fromisoformat(r.get("as_of", "2026-11-24")),
                            open_days=cal)
        passed += len(got) == 1 and (str(got[0].low), str(got[0].high)) == (r["low"], r["high"])
    return passed, len(rows)


def report(result: dict, build_s: float, n_entries: int, n_secs: int) -> None:
    print(f"\nentities: {n_entries:,} entries for {n_secs:,} securities; build {build_s:.2f} s")
    print(f"{'noise':<16}{'samples':>8}{'top-1':>9}{'ambig.':>8}  inherent: n / flagged / kept")
    total = Counter()
    for noise in NOISES:
        c = result["by_noise"].get(noise, Counter())
        total.update(c)
        if c["n"] or c["inherent"]:
            print(f"{noise:<16}{c['n']:>8}{c['top1'] / max(c['n'], 1):>9.2%}"
                  f"{c['ambiguous'] / max(c['n'], 1):>8.2%}  {c['inherent']} / "
                  f"{c['inherent_flagged']} / {c['inherent_kept']}")
    print(f"{'ALL':<16}{total['n']:>8}{total['top1'] / max(total['n'], 1):>9.2%}"
          f"{total['ambiguous'] / max(total['n'], 1):>8.2%}  {total['inherent']} / "
          f"{total['inherent_flagged']} / {total['inherent_kept']}")
    lat = result["latencies"]
    print(f"match latency: p50 {statistics.median(lat):.3f} ms, p95 {pct(lat, 95):.3f} ms, "
          f"max {max(lat):.2f} ms over {len(lat):,} questions")
    for s, got in result["misses"][:15]:
        print(f"  miss [{s.noise}] {s.question}  want {s.ts_code}, got {got}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-dir", type=Path, default=DEFAULT_DEMO)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nl2sql-bcast-") as tmp:
        db = args.demo_dir / "trading.duckdb"
        if not db.exists():
            db = Path(tmp) / "trading.duckdb"
            print(f"building the demo warehouse (scale 1) into {db} ...")
            build_demo(db)
        entries, secs = load_entries(db)
        start = time.perf_counter()
        matcher = EntityMatcher.build(entries)
        build_s = time.perf_counter() - start
        items = samples(secs, args.seed)
        for s in items[:50]:  # warm the character caches the way a running gateway has them
            matcher.match(s.question)
        result = evaluate(matcher, items)
    report(result, build_s, len(entries), len(secs))
    passed, total = time_table(TradingCalendar([to_date(n) for n in open_days()]))
    print(f"time expressions: {passed}/{total} passed ({passed / total:.1%})")


if __name__ == "__main__":
    main()
