"""Mutual funds (fund_info) and their daily NAVs (fund_nav), one row per trading day."""

from __future__ import annotations

import numpy as np

from nl2sql.demo.reference import FUND_COMPANIES, FUND_THEMES, FUND_TYPE_EN, FUND_TYPE_WORD
from nl2sql.demo.trading_calendar import day_number

__all__ = ["FUNDS_AT_SCALE_1", "make_funds"]

Frame = dict[str, np.ndarray]

FUNDS_AT_SCALE_1 = 600
_TYPE_WEIGHTS = {"股票型": 0.25, "混合型": 0.40, "债券型": 0.25, "货币型": 0.10}
# fund type -> (beta to the market, daily idiosyncratic sd, daily drift)
_NAV_MODEL = {
    "股票型": (0.95, 0.0060, 0.0001),
    "混合型": (0.70, 0.0060, 0.0001),
    "债券型": (0.03, 0.0007, 0.00012),
    "货币型": (0.0, 0.0, 0.0),
}
_NUMBERS = "二三四五六七八九"


def _names(rng: np.random.Generator, types: np.ndarray) -> tuple[list[str], list[str], list[str]]:
    """Unique zh and en fund names plus the company, e.g. 易方达消费升级股票A."""
    zh, en, companies, taken = [], [], [], set()
    for ftype in types:
        company, company_en = FUND_COMPANIES[rng.integers(len(FUND_COMPANIES))]
        themes = FUND_THEMES[ftype]
        theme, theme_en = themes[rng.integers(len(themes))]
        share = "A" if rng.random() < 0.7 else "C"
        name = f"{company}{theme}{FUND_TYPE_WORD[ftype]}{share}"
        series = ""
        for number in _NUMBERS:
            if name not in taken:
                break
            series = number
            name = f"{company}{theme}{number}号{FUND_TYPE_WORD[ftype]}{share}"
        taken.add(name)
        suffix = f" {_NUMBERS.index(series) + 2}" if series else ""
        zh.append(name)
        en.append(f"{company_en} {theme_en}{suffix} {FUND_TYPE_EN[ftype]} Fund {share}")
        companies.append(company + "基金管理有限公司")
    return zh, en, companies


def _inception_days(rng: np.random.Generator, n: int, days: np.ndarray) -> np.ndarray:
    new = rng.random(n) < 0.15
    lo, hi = day_number("2005-01-04"), day_number("2022-12-30")
    old = lo + (rng.random(n) * (hi - lo)).astype(np.int64)
    old -= np.where((old + 3) % 7 == 5, 1, 0) + np.where((old + 3) % 7 == 6, 2, 0)
    pool = days[(days >= day_number("2023-02-01")) & (days <= day_number("2026-09-30"))]
    return np.where(new, pool[rng.integers(len(pool), size=n)], old)


def _nav_paths(
    rng: np.random.Generator, types: np.ndarray, start: np.ndarray, days: np.ndarray,
    market: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Unit and accumulated NAV in 1/10000 元, (fund x (1 + day)); column 0 is the day before.

    New funds sit at 1.0000 until and on their inception day; money funds keep a unit NAV of 1
    and grow the accumulated NAV by their yield on calendar days, weekends included.
    """
    n, t = len(types), len(days)
    new = start > 0
    flat = (np.arange(t) < start[:, None]) | ((np.arange(t) == start[:, None]) & new[:, None])
    beta, sd, drift = (np.array([_NAV_MODEL[x][k] for x in types])[:, None] for k in range(3))
    r = np.where(flat, 0.0, beta * market + sd * rng.standard_normal((n, t)) + drift)
    nav0 = np.where(new, 1.0, np.clip(1.4 * np.exp(0.35 * rng.standard_normal(n)), 0.5, 4.0))
    growth = np.exp(np.concatenate((np.zeros((n, 1)), np.cumsum(np.log1p(r), axis=1)), axis=1))
    unit = np.rint(nav0[:, None] * 1e4 * growth)
    paid = np.where(new | (rng.random(n) < 0.4), 0.0, rng.uniform(0.05, 1.2, n))
    accum = unit + np.rint(paid * 1e4)[:, None]
    gaps = np.diff(np.concatenate(([days[0] - 3], days)))
    accrual = np.where(flat, 0.0, rng.uniform(0.012, 0.022, n)[:, None] / 365 * gaps)
    accum0 = np.where(new, 1.0, rng.uniform(1.1, 1.5, n))
    money_growth = np.concatenate((np.ones((n, 1)), np.cumprod(1 + accrual, axis=1)), axis=1)
    money = types == "货币型"
    unit[money] = 1e4
    accum[money] = np.rint(accum0[:, None] * 1e4 * money_growth)[money]
    return unit.astype(np.int64), accum.astype(np.int64)


def make_funds(
    rng: np.random.Generator, scale: float, days: np.ndarray, market: np.ndarray
) -> dict[str, Frame]:
    """fund_info and fund_nav frames."""
    n = max(20, round(FUNDS_AT_SCALE_1 * scale))
    types = np.array(list(_TYPE_WEIGHTS), dtype=object)[
        rng.choice(len(_TYPE_WEIGHTS), size=n, p=list(_TYPE_WEIGHTS.values()))]
    zh, en, companies = _names(rng, types)
    codes = np.array([f"{c:06d}.OF" for c in rng.choice(19_999, n, replace=False) + 1], dtype=object)
    inception = _inception_days(rng, n, days)
    order = np.argsort(codes)
    codes, types, inception = codes[order], types[order], inception[order]
    start = np.searchsorted(days, inception)
    unit, accum = _nav_paths(rng, types, start, days, market)
    money = (types == "货币型")[:, None]
    base = np.where(money, accum, unit).astype(float)
    daily_return = (base[:, 1:] / base[:, :-1] - 1) * 100
    f_idx, t_idx = np.nonzero(np.arange(len(days)) >= start[:, None])
    info = {
        "fund_code": codes,
        "fund_name": np.array(zh, dtype=object)[order],
        "en_name": np.array(en, dtype=object)[order],
        "fund_type": types,
        "company": np.array(companies, dtype=object)[order],
        "inception_date": inception.astype(np.int32),
    }
    nav = {
        "fund_code": codes[f_idx],
        "nav_date": days[t_idx].astype(np.int32),
        "unit_nav": unit[f_idx, t_idx + 1] / 1e4,
        "accum_nav": accum[f_idx, t_idx + 1] / 1e4,
        "daily_return": daily_return[f_idx, t_idx],
    }
    return {"fund_info": info, "fund_nav": nav}
