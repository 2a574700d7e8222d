"""The brokerage side: branches, customers, accounts, orders, trades, positions and cash flows.

Orders are priced inside the day's [low, high] of the bar they trade against, trades follow
their orders (已成 fills all, 部成 part, 已撤 nothing), and positions are valued at the as-of close.
"""

from __future__ import annotations

import numpy as np

from nl2sql.demo.market import Bars, Universe
from nl2sql.demo.names import person_names
from nl2sql.demo.reference import BRANCH_ROADS, CITIES
from nl2sql.demo.trading_calendar import day_number

__all__ = ["make_brokerage"]

Frame = dict[str, np.ndarray]

_BRANCHES, _CUSTOMERS, _ORDERS, _FLOWS = 150, 20_000, 200_000, 60_000
_FIRST_CITIES = 8  # the leading CITIES entries each get a branch before any random city
_RISK_LEVELS = {"保守型": 0.10, "谨慎型": 0.20, "稳健型": 0.35, "积极型": 0.25, "激进型": 0.10}
_ORDER_STATUS = {"已成": 0.75, "部成": 0.08, "已撤": 0.17}
_ACCOUNT_STATUS = {"正常": 0.93, "冻结": 0.02, "销户": 0.05}
# Account openings by year: the 2007, 2015 and 2020-21 booms stand out.
_OPEN_YEARS = {y: 1.0 for y in range(2005, 2027)} | {2007: 3.0, 2015: 4.0, 2020: 2.5, 2021: 2.5,
                                                     2023: 1.8, 2024: 2.2, 2025: 2.0}
_MORNING, _AFTERNOON = 9 * 3600 + 1800, 13 * 3600  # session starts, seconds after midnight
_SESSION = 2 * 3600
_STAMP_CUT = day_number("2023-08-28")  # stamp duty on sells halved from 0.1% to 0.05%


def _count(nominal: int, scale: float, floor: int) -> int:
    return max(floor, round(nominal * scale))


def _choice(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()))
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _cities(rng: np.random.Generator, n: int) -> np.ndarray:
    w = np.array([c[2] for c in CITIES])
    return rng.choice(len(CITIES), size=n, p=w / w.sum())


def _branches(rng: np.random.Generator, n: int) -> tuple[Frame, np.ndarray]:
    """Branches: one in each of the biggest cities first, so small scales still have them."""
    names: list[str] = []
    cities: list[int] = []
    while len(names) < n:
        city = len(names) if len(names) < _FIRST_CITIES else int(_cities(rng, 1)[0])
        name = f"{CITIES[city][0]}{BRANCH_ROADS[rng.integers(len(BRANCH_ROADS))]}证券营业部"
        if name not in names:
            names.append(name)
            cities.append(city)
    city_idx = np.array(cities)
    frame = {
        "branch_id": np.arange(1, n + 1, dtype=np.int32),
        "branch_name": np.array(names, dtype=object),
        "city": np.array([CITIES[c][0] for c in city_idx], dtype=object),
        "province": np.array([CITIES[c][1] for c in city_idx], dtype=object),
    }
    return frame, city_idx


def _open_days(rng: np.random.Generator, n: int, last: int) -> np.ndarray:
    years = np.array(list(_OPEN_YEARS))
    p = np.array(list(_OPEN_YEARS.values()))
    year = years[rng.choice(len(years), size=n, p=p / p.sum())]
    first = np.array([day_number(f"{y}-01-01") for y in range(2005, 2028)])
    lo, hi = first[year - 2005], np.minimum(first[year - 2004], last)
    return lo + (rng.random(n) * (hi - lo)).astype(np.int64)


def _customers(
    rng: np.random.Generator, n: int, branch_city: np.ndarray, last_open: int
) -> Frame:
    opened = np.sort(_open_days(rng, n, last_open))
    branch = rng.integers(len(branch_city), size=n)
    city = np.where(rng.random(n) < 0.8, branch_city[branch], _cities(rng, n))
    male = rng.random(n) < 0.55
    # Adults when they opened the account; nobody born before 1945.
    birth = np.maximum(opened - 6575 - (rng.random(n) * 45 * 365.25).astype(np.int64),
                       day_number("1945-01-01"))
    return {
        "customer_id": np.arange(10_000_001, 10_000_001 + n, dtype=np.int64),
        "name": person_names(rng, male),
        "gender": np.where(male, "男", "女").astype(object),
        "birth_date": birth.astype(np.int32),
        "city": np.array([CITIES[c][0] for c in city], dtype=object),
        "risk_level": _choice(rng, _RISK_LEVELS, n),
        "open_date": opened.astype(np.int32),
        "branch_id": (branch + 1).astype(np.int32),
    }


def _accounts(rng: np.random.Generator, customers: Frame, last_open: int) -> Frame:
    cust = customers["customer_id"]
    opened = customers["open_date"].astype(np.int64)
    credit_open = opened + 180 + (rng.random(len(cust)) * 2000).astype(np.int64)
    credit = (rng.random(len(cust)) < 0.15) & (credit_open <= last_open)
    cust_all = np.concatenate((cust, cust[credit]))
    open_all = np.concatenate((opened, credit_open[credit]))
    kind = np.concatenate((np.full(len(cust), "普通", dtype=object),
                           np.full(int(credit.sum()), "信用", dtype=object)))
    order = np.argsort(open_all, kind="stable")
    n = len(order)
    return {
        "account_id": np.arange(88_000_001, 88_000_001 + n, dtype=np.int64),
        "customer_id": cust_all[order],
        "account_type": kind[order],
        "open_date": open_all[order].astype(np.int32),
        "status": _choice(rng, _ACCOUNT_STATUS, n),
    }


def _session_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    s = rng.integers(0, 2 * _SESSION, size=n)
    return np.where(s < _SESSION, _MORNING + s, _AFTERNOON + s - _SESSION)


def _popularity(u: Universe) -> np.ndarray:
    """How often clients trade or hold a security: grows with float market value, sublinearly."""
    return (u.float_share * u.price0) ** 0.6


def _pick_listed(
    rng: np.random.Generator, popularity: np.ndarray, listed: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """A popular security that has a bar on day index t, per row (-1 where none was found)."""
    p = popularity / popularity.sum()
    sec = rng.choice(len(p), size=len(t), p=p)
    for _ in range(30):
        bad = ~listed[sec, t]
        if not bad.any():
            break
        sec[bad] = rng.choice(len(p), size=int(bad.sum()), p=p)
    return np.where(listed[sec, t], sec, -1)


def _orders(
    rng: np.random.Generator, n: int, u: Universe, b: Bars, accounts: Frame,
    activity: np.ndarray,
) -> Frame:
    acc = rng.choice(len(activity), size=n, p=activity / activity.sum())
    first = np.searchsorted(b.days, accounts["open_date"][acc])
    t = first + (rng.random(n) * (len(b.days) - first)).astype(np.int64)
    sec = _pick_listed(rng, _popularity(u), b.listed, t)
    keep = sec >= 0
    acc, t, sec = acc[keep], t[keep], sec[keep]
    n = len(acc)
    low, high = b.low[sec, t], b.high[sec, t]
    price = low + np.rint((high - low) * rng.random(n)).astype(np.int64)  # cents
    notional = 30_000 * np.exp(rng.standard_normal(n))
    qty = np.maximum(np.rint(notional / (price / 100) / 100), 1).astype(np.int64) * 100
    qty = np.where(u.board[sec] == 2, np.maximum(qty, 200), qty)  # STAR minimum is 200 shares
    status = _choice(rng, _ORDER_STATUS, n)
    status = np.where((status == "部成") & (qty < 200), "已成", status).astype(object)
    seconds = b.days[t].astype(np.int64) * 86_400 + _session_seconds(rng, n)
    order = np.argsort(seconds, kind="stable")
    return {
        "order_id": np.arange(1, n + 1, dtype=np.int64),
        "account_id": accounts["account_id"][acc][order],
        "ts_code": u.codes[sec][order],
        "order_time": seconds[order],
        "side": np.where(rng.random(n) < 0.55, "买入", "卖出").astype(object)[order],
        "price": (price / 100)[order],
        "qty": qty[order],
        "status": status[order],
    }


def _trades(rng: np.random.Generator, orders: Frame) -> Frame:
    filled = np.flatnonzero(orders["status"] != "已撤")
    qty = orders["qty"][filled]
    partial = orders["status"][filled] == "部成"
    part = 100 * (1 + (rng.random(len(filled)) * (qty // 100 - 1)).astype(np.int64))
    qty = np.where(partial, part, qty)
    placed = orders["order_time"][filled]
    second_of_day = placed % 86_400
    session_end = np.where(second_of_day < _AFTERNOON, _MORNING + _SESSION, _AFTERNOON + _SESSION)
    when = np.minimum(placed + rng.integers(1, 90, size=len(filled)),
                      placed - second_of_day + session_end)
    price = orders["price"][filled]
    amount = np.round(price * qty, 2)
    sell = orders["side"][filled] == "卖出"
    stamp = np.where(placed // 86_400 < _STAMP_CUT, 0.001, 0.0005)
    fee = np.maximum(5.0, amount * 0.00025) + amount * 0.00001 + np.where(sell, amount * stamp, 0)
    order = np.argsort(when, kind="stable")
    return {
        "trade_id": np.arange(1, len(filled) + 1, dtype=np.int64),
        "order_id": orders["order_id"][filled][order],
        "account_id": orders["account_id"][filled][order],
        "ts_code": orders["ts_code"][filled][order],
        "trade_time": when[order],
        "side": orders["side"][filled][order],
        "price": price[order],
        "qty": qty[order],
        "amount": amount[order],
        "fee": np.round(fee, 2)[order],
    }


def _positions(rng: np.random.Generator, u: Universe, b: Bars, accounts: Frame) -> Frame:
    holders = np.flatnonzero((accounts["status"] == "正常") & (rng.random(len(accounts["status"])) < 0.6))
    k = np.minimum(1 + rng.poisson(2.5, size=len(holders)), 10)
    acc = np.repeat(holders, k)
    listed_now = b.listed[:, -1]
    popularity = np.where(listed_now, _popularity(u), 0.0)
    sec = rng.choice(len(u.codes), size=len(acc), p=popularity / popularity.sum())
    pairs = np.unique(acc.astype(np.int64) * len(u.codes) + sec)
    acc, sec = pairs // len(u.codes), pairs % len(u.codes)
    n = len(pairs)
    close = b.close[sec, -1]  # cents
    qty = np.maximum(np.rint(50_000 * np.exp(1.1 * rng.standard_normal(n)) / close), 1) * 100
    qty = qty.astype(np.int64)
    cost = np.maximum(np.rint(close * np.exp(0.03 + 0.25 * rng.standard_normal(n))), 1)
    return {
        "account_id": accounts["account_id"][acc],
        "ts_code": u.codes[sec],
        "snapshot_date": np.full(n, b.days[-1], dtype=np.int32),
        "qty": qty,
        "cost_price": cost / 100,
        "market_value": qty * close / 100,
    }


def _flows(rng: np.random.Generator, n: int, b: Bars, accounts: Frame, activity: np.ndarray) -> Frame:
    acc = rng.choice(len(activity), size=n, p=activity / activity.sum())
    first = np.searchsorted(b.days, accounts["open_date"][acc])
    t = first + (rng.random(n) * (len(b.days) - first)).astype(np.int64)
    seconds = b.days[t].astype(np.int64) * 86_400 + rng.integers(8 * 3600 + 1800, 16 * 3600, n)
    amount = np.maximum(np.rint(20_000 * np.exp(1.2 * rng.standard_normal(n)) / 100), 1) * 100
    order = np.argsort(seconds, kind="stable")
    return {
        "flow_id": np.arange(1, n + 1, dtype=np.int64),
        "account_id": accounts["account_id"][acc][order],
        "flow_time": seconds[order],
        "flow_type": np.where(rng.random(n) < 0.6, "入金", "出金").astype(object)[order],
        "amount": amount[order].astype(float),
    }


def make_brokerage(
    rng: np.random.Generator, scale: float, u: Universe, b: Bars
) -> dict[str, Frame]:
    """branch, customer, account, orders, trade, position and fund_flow frames."""
    last_open = int(b.days[-1]) - 20
    branch, branch_city = _branches(rng, _count(_BRANCHES, scale, 8))
    customers = _customers(rng, _count(_CUSTOMERS, scale, 200), branch_city, last_open)
    accounts = _accounts(rng, customers, last_open)
    activity = np.exp(1.2 * rng.standard_normal(len(accounts["account_id"])))
    orders = _orders(rng, _count(_ORDERS, scale, 2000), u, b, accounts, activity)
    return {
        "branch": branch,
        "customer": customers,
        "account": accounts,
        "orders": orders,
        "trade": _trades(rng, orders),
        "position": _positions(rng, u, b, accounts),
        "fund_flow": _flows(rng, _count(_FLOWS, scale, 500), b, accounts, activity),
    }
