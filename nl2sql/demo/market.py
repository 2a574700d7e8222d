"""Securities master and daily bars, generated with vectorized numpy (no per-row Python).

Prices live as int64 cents in (security x day) matrices so that the daily limit bands, which the
exchanges compute on rounded prices, hold exactly: limit-up = round(pre_close * 1.1, 2) on the
main board and round(pre_close * 1.2, 2) on ChiNext/STAR, half away from zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nl2sql.demo.names import company_names, pinyin_initials
from nl2sql.demo.reference import INDUSTRIES, LARGE_CAPS, NAME_PREFIXES
from nl2sql.demo.trading_calendar import day_number

__all__ = [
    "MAX_SCALE",
    "SECURITIES_AT_SCALE_1",
    "Bars",
    "Universe",
    "bar_frame",
    "board_of",
    "industry_frame",
    "make_securities",
    "pct_change",
    "simulate_bars",
]

Frame = dict[str, np.ndarray]

SECURITIES_AT_SCALE_1 = 5200
# Beyond this the STAR (688xxx) code space runs out.
MAX_SCALE = 1.5
NULL_DAY = np.iinfo(np.int32).min  # a NULL date in an int32 day column

_BOARDS = ("主板", "创业板", "科创板")
_BOARD_OF_PREFIX = {
    "600": 0, "601": 0, "603": 0, "605": 0, "000": 0, "001": 0, "002": 0, "003": 0,
    "300": 1, "301": 1, "688": 2,
}
# Companies listed before 2023: prefix -> (relative count, earliest and latest listing date).
_OLD_PREFIXES: dict[str, tuple[float, str, str]] = {
    "600": (630, "1993-01-04", "2012-12-31"),
    "601": (300, "2003-01-06", "2022-12-30"),
    "603": (630, "2011-01-04", "2022-12-30"),
    "605": (100, "2020-01-06", "2022-12-30"),
    "000": (450, "1991-01-02", "2012-12-31"),
    "001": (60, "2015-01-05", "2022-12-30"),
    "002": (630, "2004-06-25", "2021-12-31"),
    "003": (80, "2020-10-12", "2022-12-30"),
    "300": (630, "2009-10-30", "2020-08-21"),
    "301": (520, "2020-08-24", "2022-12-30"),
    "688": (480, "2019-07-22", "2022-12-30"),
}
# IPOs during the data window: prefix weights and the yearly pace (2023 was the busy year).
_NEW_PREFIXES = {"301": 0.30, "688": 0.25, "603": 0.20, "001": 0.15, "605": 0.05, "601": 0.05}
_IPO_YEARS = {2023: 0.55, 2024: 0.17, 2025: 0.18, 2026: 0.10}
_LAST_IPO = "2026-10-30"
_NEW_LISTING_SHARE = 0.10
_DELISTED_SHARE = 0.015

# Daily market drift by regime start date; the autumn-2024 rally and the April-2025 drop included.
_REGIMES: tuple[tuple[str, float], ...] = (
    ("2023-01-03", 0.0012), ("2023-05-01", -0.0007), ("2024-02-06", 0.0010),
    ("2024-05-21", -0.0008), ("2024-09-24", 0.0380), ("2024-10-09", -0.0010),
    ("2024-11-01", 0.0004), ("2025-04-07", -0.0650), ("2025-04-08", 0.0008),
    ("2026-01-05", 0.0003),
)
# Log prices revert to their start with this AR(1) coefficient (half-life ~350 trading days), so
# four years of random walk neither explode nor collapse to cents.
_PHI = 0.998
# Per-day chance of a jump to the limit (news, 涨停/跌停); new listings open at the limit.
_JUMP_UP, _JUMP_DOWN = 0.004, 0.002


def board_of(ts_code: str) -> str:
    """The board derived from the code prefix.

    >>> board_of("688981.SH"), board_of("300750.SZ"), board_of("600519.SH")
    ('科创板', '创业板', '主板')
    """
    return _BOARDS[_BOARD_OF_PREFIX[ts_code[:3]]]


@dataclass(frozen=True)
class Universe:
    """Per-security arrays (sorted by ts_code) that the later generators need."""

    codes: np.ndarray  # object: ts_code
    board: np.ndarray  # int: index into _BOARDS
    exchange: np.ndarray  # object: SSE / SZSE
    industry: np.ndarray  # int: index into INDUSTRIES
    list_day: np.ndarray  # int: listing date as a day number
    start: np.ndarray  # int: index of the first bar in `days`
    end: np.ndarray  # int: one past the last bar
    is_new: np.ndarray  # bool: listed inside the data window
    is_large: np.ndarray  # bool: a real large cap
    total_share: np.ndarray  # float: 万股
    float_share: np.ndarray  # float: 万股
    price0: np.ndarray  # float: 元, the close before the first bar (or the issue price)

    @property
    def band(self) -> np.ndarray:
        """Daily limit in percent: 10 on the main board, 20 on ChiNext and STAR."""
        return np.where(self.board == 0, 10, 20).astype(np.int64)

    @property
    def board_names(self) -> np.ndarray:
        return np.array(_BOARDS, dtype=object)[self.board]


def industry_frame() -> Frame:
    return {
        "industry_code": np.array([i.code for i in INDUSTRIES], dtype=object),
        "industry_name": np.array([i.name for i in INDUSTRIES], dtype=object),
        "industry_name_en": np.array([i.name_en for i in INDUSTRIES], dtype=object),
    }


def _weighted_pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _allocate_codes(rng: np.random.Generator, prefixes: np.ndarray, taken: set[str]) -> np.ndarray:
    """Unique six-digit symbols, drawn per prefix from the numbers not taken."""
    symbols = np.empty(len(prefixes), dtype=object)
    for prefix in sorted(set(prefixes)):
        idx = np.flatnonzero(prefixes == prefix)
        free = [n for n in range(1, 1000) if f"{prefix}{n:03d}" not in taken]
        picks = rng.choice(len(free), size=len(idx), replace=False)
        symbols[idx] = [f"{prefix}{free[p]:03d}" for p in picks]
    return symbols


def _to_weekday(days: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays back to the Friday."""
    weekday = (days + 3) % 7
    return days - np.where(weekday == 5, 1, 0) - np.where(weekday == 6, 2, 0)


def _old_list_days(rng: np.random.Generator, prefixes: np.ndarray) -> np.ndarray:
    lo = np.array([day_number(_OLD_PREFIXES[p][1]) for p in prefixes])
    hi = np.array([day_number(_OLD_PREFIXES[p][2]) for p in prefixes])
    return _to_weekday(lo + (rng.random(len(prefixes)) * (hi - lo + 1)).astype(np.int64))


def _ipo_days(rng: np.random.Generator, n: int, days: np.ndarray) -> np.ndarray:
    years = _weighted_pick(rng, {str(y): w for y, w in _IPO_YEARS.items()}, n)
    out = np.empty(n, dtype=np.int64)
    for year in sorted(set(years)):
        pool = days[(days >= day_number(f"{year}-01-04")) & (days <= day_number(_LAST_IPO))]
        pool = pool[pool < day_number(f"{int(year) + 1}-01-01")]
        sel = years == year
        out[sel] = pool[rng.integers(len(pool), size=int(sel.sum()))]
    return out


def _pick_industries(rng: np.random.Generator, boards: np.ndarray) -> np.ndarray:
    w = np.array([ind.weights for ind in INDUSTRIES], dtype=float)
    out = np.empty(len(boards), dtype=np.int64)
    for b in range(3):
        sel = boards == b
        out[sel] = rng.choice(len(INDUSTRIES), size=int(sel.sum()), p=w[:, b] / w[:, b].sum())
    return out


@dataclass(frozen=True)
class _Generated:
    symbols: np.ndarray
    board: np.ndarray
    industry: np.ndarray
    list_day: np.ndarray
    delist_day: np.ndarray
    is_new: np.ndarray


def _generated_listings(rng: np.random.Generator, n: int, days: np.ndarray) -> _Generated:
    new = rng.random(n) < _NEW_LISTING_SHARE
    prefixes = np.empty(n, dtype=object)
    old_weights = {p: v[0] for p, v in _OLD_PREFIXES.items()}
    prefixes[~new] = _weighted_pick(rng, old_weights, int((~new).sum()))
    prefixes[new] = _weighted_pick(rng, _NEW_PREFIXES, int(new.sum()))
    symbols = _allocate_codes(rng, prefixes, {c.ts_code[:6] for c in LARGE_CAPS})
    board = np.array([_BOARD_OF_PREFIX[p] for p in prefixes], dtype=np.int64)
    list_day = np.empty(n, dtype=np.int64)
    list_day[~new] = _old_list_days(rng, prefixes[~new])
    list_day[new] = _ipo_days(rng, int(new.sum()), days)
    delisted = ~new & (rng.random(n) < _DELISTED_SHARE)
    pool = days[(days >= day_number("2023-03-01")) & (days <= day_number(_LAST_IPO))]
    delist_day = np.full(n, NULL_DAY, dtype=np.int64)
    delist_day[delisted] = pool[rng.integers(len(pool), size=int(delisted.sum()))]
    return _Generated(symbols, board, _pick_industries(rng, board), list_day, delist_day, new)


def _shares_and_prices(
    rng: np.random.Generator, g: _Generated
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total and float shares (万股) and the start price, from a market value (亿元) and a price.

    Drawing the market value first keeps big share counts on cheap stocks, as in the market.
    """
    n = len(g.symbols)
    median_mv = np.choose(g.board, [55.0, 40.0, 45.0])
    market_value = np.clip(median_mv * np.exp(1.1 * rng.standard_normal(n)), 8, 1500)
    old_price = np.clip(14 * np.exp(0.6 * rng.standard_normal(n)), 3, 200)
    ipo_price = np.clip(28 * np.exp(0.5 * rng.standard_normal(n)), 6, 150)
    price = np.where(g.is_new, ipo_price, old_price)
    total = np.clip(market_value * 10_000 / price, 4_000, 5_000_000)
    ratio = np.where(g.is_new, rng.uniform(0.18, 0.35, n), rng.uniform(0.55, 1.0, n))
    return np.round(total, 2), np.round(total * ratio, 2), price


def make_securities(
    rng: np.random.Generator, scale: float, days: np.ndarray
) -> tuple[Universe, Frame]:
    """The securities master: the real large caps plus generated companies, sorted by ts_code."""
    n_gen = max(0, round(SECURITIES_AT_SCALE_1 * scale) - len(LARGE_CAPS))
    g = _generated_listings(rng, n_gen, days)
    total, floating, price = _shares_and_prices(rng, g)
    taken = {c.name for c in LARGE_CAPS}
    names = company_names(rng, [INDUSTRIES[i] for i in g.industry], NAME_PREFIXES, taken)
    ind_index = {ind.code: i for i, ind in enumerate(INDUSTRIES)}
    lc = LARGE_CAPS
    lc_shares = np.array([c.shares_yi * 10_000 for c in lc])
    lc_list = np.array([day_number(c.list_date) for c in lc])
    lc_float = np.where(lc_list >= day_number("2022-01-01"), 0.35, 0.9)
    codes = np.array(
        [c.ts_code for c in lc]
        + [s + (".SH" if s[0] == "6" else ".SZ") for s in g.symbols], dtype=object)
    cols: dict[str, np.ndarray] = {
        "name": np.array([c.name for c in lc] + [x.short for x in names], dtype=object),
        "full_name": np.array([c.full_name for c in lc] + [x.full for x in names], dtype=object),
        "en_name": np.array([c.en_name for c in lc] + [x.en for x in names], dtype=object),
        "province": np.array([c.province for c in lc] + [x.province for x in names], dtype=object),
        "industry": np.concatenate(([ind_index[c.industry_code] for c in lc], g.industry)),
        "list_day": np.concatenate((lc_list, g.list_day)),
        "delist_day": np.concatenate((np.full(len(lc), NULL_DAY), g.delist_day)),
        "is_new": np.concatenate((np.zeros(len(lc), bool), g.is_new)),
        "is_large": np.concatenate((np.ones(len(lc), bool), np.zeros(n_gen, bool))),
        "total": np.concatenate((np.round(lc_shares, 2), total)),
        "float": np.concatenate((np.round(lc_shares * lc_float, 2), floating)),
        "price": np.concatenate(([c.price for c in lc], price)),
    }
    order = np.argsort(codes, kind="stable")
    codes = codes[order]
    cols = {k: v[order] for k, v in cols.items()}
    universe = _universe(codes, cols, days)
    return universe, _securities_frame(universe, cols)


def _universe(codes: np.ndarray, cols: dict[str, np.ndarray], days: np.ndarray) -> Universe:
    delisted = cols["delist_day"] != NULL_DAY
    end = np.where(delisted, np.searchsorted(days, cols["delist_day"]), len(days))
    return Universe(
        codes=codes,
        board=np.array([_BOARD_OF_PREFIX[c[:3]] for c in codes], dtype=np.int64),
        exchange=np.where([c.endswith(".SH") for c in codes], "SSE", "SZSE").astype(object),
        industry=cols["industry"].astype(np.int64),
        list_day=cols["list_day"].astype(np.int64),
        start=np.searchsorted(days, cols["list_day"]),
        end=end,
        is_new=cols["is_new"],
        is_large=cols["is_large"],
        total_share=cols["total"],
        float_share=cols["float"],
        price0=cols["price"],
    )


def _securities_frame(u: Universe, cols: dict[str, np.ndarray]) -> Frame:
    delisted = cols["delist_day"] != NULL_DAY
    return {
        "ts_code": u.codes,
        "symbol": np.array([c[:6] for c in u.codes], dtype=object),
        "name": cols["name"],
        "full_name": cols["full_name"],
        "pinyin": np.array([pinyin_initials(n) for n in cols["name"]], dtype=object),
        "en_name": cols["en_name"],
        "exchange": u.exchange,
        "board": u.board_names,
        "industry_code": np.array([INDUSTRIES[i].code for i in u.industry], dtype=object),
        "province": cols["province"],
        "list_date": cols["list_day"].astype(np.int32),
        "delist_date": cols["delist_day"].astype(np.int32),
        "status": np.where(delisted, "退市", "上市").astype(object),
        "total_share": u.total_share,
        "float_share": u.float_share,
    }


@dataclass(frozen=True)
class Bars:
    """Simulated bars as (security x day) matrices; prices in int64 cents."""

    days: np.ndarray  # (T,) day numbers
    listed: np.ndarray  # (n, T) bool: a bar exists
    close: np.ndarray  # (n, T + 1): column 0 is the close before the first day
    open: np.ndarray  # (n, T)
    high: np.ndarray
    low: np.ndarray
    vol: np.ndarray  # (n, T) int64 lots
    amount: np.ndarray  # (n, T) float 元
    market: np.ndarray  # (T,) the market factor's daily return

    @property
    def pre_close(self) -> np.ndarray:
        return self.close[:, :-1]


def _limits(pre: np.ndarray, band: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Limit-down and limit-up prices in cents, rounded half up like the exchanges do."""
    return (pre * (100 - band) + 50) // 100, (pre * (100 + band) + 50) // 100


def _enforce_limits(close: np.ndarray, band: np.ndarray) -> np.ndarray:
    """Clip closes into their bands; a clip moves the next day's pre_close, so repeat."""
    for _ in range(200):
        dn, up = _limits(close[:, :-1], band)
        clipped = np.clip(close[:, 1:], dn, up)
        if np.array_equal(clipped, close[:, 1:]):
            return close
        close[:, 1:] = clipped
    raise RuntimeError("limit clipping did not converge")  # pragma: no cover


def market_returns(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """The market factor: a regime drift plus daily noise."""
    starts = np.array([day_number(d) for d, _ in _REGIMES])
    drift = np.array([v for _, v in _REGIMES])[np.searchsorted(starts, days, side="right") - 1]
    return drift + 0.009 * rng.standard_normal(len(days))


def _ar1(x: np.ndarray) -> np.ndarray:
    """y[t] = _PHI * y[t-1] + x[t] along axis 1, vectorized as a discounted cumulative sum."""
    k = np.arange(x.shape[1])
    return _PHI**k * np.cumsum(x * _PHI**-k, axis=1)


def pct_change(change: np.ndarray, pre: np.ndarray) -> np.ndarray:
    """change / pre * 100 rounded half away from zero to 4 decimals, exactly (integer inputs)."""
    num = np.abs(change) * 1_000_000
    return np.sign(change) * ((2 * num + pre) // (2 * pre)) / 10_000


def simulate_bars(u: Universe, days: np.ndarray, rng: np.random.Generator) -> Bars:
    """A factor random walk (market + industry + fat-tailed idiosyncratic), clipped to limits."""
    n, t = len(u.codes), len(days)
    listed = (np.arange(t) >= u.start[:, None]) & (np.arange(t) < u.end[:, None])
    sigma = np.choose(u.board, [0.017, 0.022, 0.024]) * np.exp(0.25 * rng.standard_normal(n))
    sigma = np.where(u.is_large, 0.011, sigma)
    beta = np.clip(1 + 0.2 * rng.standard_normal(n), 0.4, 1.6)
    market = market_returns(rng, days)
    industry = 0.007 * rng.standard_normal((len(INDUSTRIES), t))
    idio = rng.standard_t(4, size=(n, t)) * (sigma / np.sqrt(2))[:, None]
    band = u.band[:, None]
    lim = band / 100
    r = np.clip(beta[:, None] * market + industry[u.industry] + idio, -lim, lim)
    jump = rng.random((n, t))
    first_day = u.is_new[:, None] & (np.arange(t) == u.start[:, None])
    r = np.where((jump < _JUMP_UP) | first_day, lim * 1.05, r)
    r = np.where(jump > 1 - _JUMP_DOWN, -lim * 1.05, r)
    r[~listed] = 0.0
    close = np.empty((n, t + 1), dtype=np.int64)
    close[:, 0] = np.rint(u.price0 * 100)
    close[:, 1:] = np.maximum(np.rint(u.price0[:, None] * 100 * np.exp(_ar1(np.log1p(r)))), 1)
    close = _enforce_limits(close, band)
    o, h, lo = _open_high_low(rng, close, band, r, sigma)
    vol, amount = _volume(rng, u, close, h, lo, listed)
    return Bars(days, listed, close, o, h, lo, vol, amount, market)


def _open_high_low(
    rng: np.random.Generator, close: np.ndarray, band: np.ndarray, r: np.ndarray,
    sigma: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pre, cur = close[:, :-1], close[:, 1:]
    dn, up = _limits(pre, band)
    shape = cur.shape
    s = sigma[:, None]
    gap = 0.3 * r + 0.35 * s * rng.standard_normal(shape)
    o = np.clip(np.rint(pre * (1 + gap)).astype(np.int64), dn, up)
    top = np.maximum(o, cur)
    bottom = np.minimum(o, cur)
    h = np.rint(top * (1 + 0.5 * s * np.abs(rng.standard_normal(shape)))).astype(np.int64)
    lo = np.rint(bottom * (1 - 0.5 * s * np.abs(rng.standard_normal(shape)))).astype(np.int64)
    h = np.minimum(np.maximum(h, top), up)
    lo = np.maximum(np.minimum(lo, bottom), np.maximum(dn, 1))
    return o, h, lo


def _volume(
    rng: np.random.Generator, u: Universe, close: np.ndarray, h: np.ndarray, lo: np.ndarray,
    listed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Volume (lots) from a turnover rate that rises with |return|; amount from a VWAP in [low, high]."""
    n, t = listed.shape
    base = np.choose(u.board, [1.2, 2.5, 2.5]) * np.exp(0.55 * rng.standard_normal(n))
    base = np.where(u.is_large, 0.35 * np.exp(0.4 * rng.standard_normal(n)), base)
    base = np.where(u.is_new, base * 2, base)
    ret = close[:, 1:] / close[:, :-1] - 1
    turnover = base[:, None] * np.exp(0.35 * rng.standard_normal((n, t)) + 10 * np.abs(ret))
    first_day = u.is_new[:, None] & (np.arange(t) == u.start[:, None])
    turnover = np.minimum(np.where(first_day, turnover * 8, turnover), 75.0)
    # turnover % x float shares (万股) = lots: 1% of 1万股 is 100 shares.
    vol = np.maximum(np.rint(turnover * u.float_share[:, None]), 1).astype(np.int64)
    vwap = lo + (h - lo) * (0.3 + 0.4 * rng.random((n, t)))  # cents
    amount = np.round(vol * vwap, 2)  # lots x 100 shares x cents / 100 = 元
    return vol, amount


def bar_frame(u: Universe, b: Bars) -> Frame:
    """daily_bar rows, ordered by trade_date then ts_code (dates cluster for zone maps)."""
    t_idx, s_idx = np.nonzero(b.listed.T)
    pre = b.pre_close[s_idx, t_idx]
    close = b.close[s_idx, t_idx + 1]
    vol = b.vol[s_idx, t_idx]
    return {
        "ts_code": u.codes[s_idx],
        "trade_date": b.days[t_idx].astype(np.int32),
        "open": b.open[s_idx, t_idx] / 100,
        "high": b.high[s_idx, t_idx] / 100,
        "low": b.low[s_idx, t_idx] / 100,
        "close": close / 100,
        "pre_close": pre / 100,
        "change": (close - pre) / 100,
        "pct_chg": pct_change(close - pre, pre),
        "vol": vol,
        "amount": b.amount[s_idx, t_idx],
        "turnover_rate": vol / u.float_share[s_idx],
    }
