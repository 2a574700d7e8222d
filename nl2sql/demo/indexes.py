"""Index master, constituents (by free-float market value at the as-of date) and daily levels.

An index's daily return is the weight-averaged return of its constituents that traded that day,
so index moves follow the stocks in the warehouse.
"""

from __future__ import annotations

import numpy as np

from nl2sql.demo.market import Bars, Universe, pct_change
from nl2sql.demo.reference import INDEXES, IndexDef
from nl2sql.demo.trading_calendar import day_number

__all__ = ["make_indexes", "scaled_size"]

Frame = dict[str, np.ndarray]

_BOARD_UNIVERSE = {"主板": 0, "创业板": 1, "科创板": 2}


def scaled_size(nominal: int, scale: float) -> int:
    """Constituent count at a scale; tiny scales keep a handful so every index has members.

    >>> scaled_size(300, 1.0), scaled_size(300, 0.02), scaled_size(50, 0.02)
    (300, 10, 10)
    """
    return max(min(nominal, 10), round(nominal * scale))


def _eligible(u: Universe, d: IndexDef, listed_now: np.ndarray) -> np.ndarray:
    if d.universe == "all":
        return listed_now
    if d.universe in _BOARD_UNIVERSE:
        return listed_now & (u.board == _BOARD_UNIVERSE[d.universe])
    return listed_now & (u.exchange == d.universe)


def _members(u: Universe, b: Bars, d: IndexDef, scale: float) -> np.ndarray:
    """Indexes of the constituents: the largest by total market value, after `skip`."""
    listed_now = u.end == len(b.days)
    candidates = np.flatnonzero(_eligible(u, d, listed_now))
    mv = b.close[candidates, -1] * u.total_share[candidates]
    ranked = candidates[np.argsort(-mv, kind="stable")]
    if d.size == 0:
        return np.sort(ranked)
    skip = scaled_size(d.skip, scale) if d.skip else 0
    return np.sort(ranked[skip: skip + scaled_size(d.size, scale)])


def _rebalance_days() -> np.ndarray:
    """Second Monday of June and December, when CSI/SZSE indexes take in new constituents."""
    out = []
    for year in range(2005, 2027):
        for month in (6, 12):
            first = day_number(f"{year}-{month:02d}-01")
            out.append(first + (7 - (first + 3) % 7) % 7 + 7)
    return np.array(out)


def _in_dates(
    rng: np.random.Generator, list_days: np.ndarray, as_of: int, composite: bool
) -> np.ndarray:
    if composite:  # the SSE Composite takes a new listing in after its 10th trading day
        return np.minimum(list_days + 14, as_of)
    rebal = _rebalance_days()
    rebal = rebal[rebal <= as_of]
    out = np.empty(len(list_days), dtype=np.int64)
    for i, listed in enumerate(list_days):
        pool = rebal[rebal >= listed + 90]
        out[i] = pool[rng.integers(len(pool))] if len(pool) else min(listed + 14, as_of)
    return out


def _info_frame() -> Frame:
    return {
        "index_code": np.array([d.code for d in INDEXES], dtype=object),
        "index_name": np.array([d.name for d in INDEXES], dtype=object),
        "en_name": np.array([d.en_name for d in INDEXES], dtype=object),
        "publisher": np.array([d.publisher for d in INDEXES], dtype=object),
        "base_date": np.array([day_number(d.base_date) for d in INDEXES], dtype=np.int32),
        "base_point": np.array([d.base_point for d in INDEXES], dtype=float),
    }


def _weighted_rel(w: np.ndarray, listed: np.ndarray, rel: np.ndarray) -> np.ndarray:
    """Weight-averaged relative move of the listed constituents per day (0 when none)."""
    den = w @ listed
    num = w @ np.where(listed, rel, 0.0)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _daily(d: IndexDef, w: np.ndarray, b: Bars) -> Frame:
    pre_px = b.pre_close.astype(float)
    listed = b.listed.astype(float)
    ret = _weighted_rel(w, listed, b.close[:, 1:] / pre_px - 1)
    level = np.rint(d.start_level * 100 * np.cumprod(1 + ret)).astype(np.int64)  # hundredths
    pre = np.concatenate(([round(d.start_level * 100)], level[:-1]))
    o = np.rint(pre * (1 + _weighted_rel(w, listed, b.open / pre_px - 1))).astype(np.int64)
    h = np.rint(pre * (1 + _weighted_rel(w, listed, b.high / pre_px - 1))).astype(np.int64)
    lo = np.rint(pre * (1 + _weighted_rel(w, listed, b.low / pre_px - 1))).astype(np.int64)
    member = (w > 0).astype(float)
    n = len(b.days)
    return {
        "index_code": np.full(n, d.code, dtype=object),
        "trade_date": b.days.astype(np.int32),
        "open": o / 100,
        "high": np.maximum.reduce([h, o, level]) / 100,
        "low": np.minimum.reduce([lo, o, level]) / 100,
        "close": level / 100,
        "pre_close": pre / 100,
        "change": (level - pre) / 100,
        "pct_chg": pct_change(level - pre, pre),
        "vol": np.rint(member @ np.where(b.listed, b.vol, 0)).astype(np.int64),
        "amount": np.round(member @ np.where(b.listed, b.amount, 0.0), 2),
    }


def _concat(frames: list[Frame]) -> Frame:
    return {k: np.concatenate([f[k] for f in frames]) for k in frames[0]}


def make_indexes(u: Universe, b: Bars, scale: float, rng: np.random.Generator) -> dict[str, Frame]:
    """index_info, index_member and index_daily frames."""
    as_of = int(b.days[-1])
    members, daily = [], []
    for d in INDEXES:
        idx = _members(u, b, d, scale)
        float_mv = b.close[idx, -1] * u.float_share[idx]
        w = np.zeros(len(u.codes))
        w[idx] = float_mv / float_mv.sum()
        members.append({
            "index_code": np.full(len(idx), d.code, dtype=object),
            "ts_code": u.codes[idx],
            "weight": np.round(w[idx] * 100, 4),
            "in_date": _in_dates(rng, u.list_day[idx], as_of, d.size == 0).astype(np.int32),
        })
        daily.append(_daily(d, w, b))
    return {"index_info": _info_frame(), "index_member": _concat(members),
            "index_daily": _concat(daily)}
