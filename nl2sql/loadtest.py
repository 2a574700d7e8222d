"""A load generator for a running gateway: N concurrent clients for T seconds.

Each client keeps one HTTP/1.1 keep-alive connection and sends the question mix in turn to
`/v1/ask` (or SQL to `/v1/sql`). The client is a few lines over asyncio streams rather than
a general HTTP library, so that one process can drive a thousand connections while costing
the machine far less CPU than the server it measures. A client told 429/503 waits the
server's Retry-After before its next request, as a well-behaved caller would.

The report: requests and answers per second, latency percentiles of answers and of refusals
(how fast overload is answered), per-stage percentiles from the answers' `timings_ms`,
error counts by envelope type, and, when the questions carry gold SQL and a database to run
it on is given, execution accuracy measured under the load.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nl2sql.errors import ConfigError, InputError

__all__ = ["Question", "Report", "load_questions", "run_load"]

_REQUEST_TIMEOUT_S = 30.0
_OVERLOAD = {429, 503}


@dataclass(frozen=True)
class Question:
    text: str
    gold_rows: list[tuple[Any, ...]] | None = None  # reference result, when known
    ordered: bool = False


@dataclass
class Report:
    """What a load run measured; `lines()` prints it."""

    clients: int
    seconds: float
    answered: list[float] = field(default_factory=list)  # latencies (s) of 200s
    refused: list[float] = field(default_factory=list)  # latencies (s) of 429/503
    errors: Counter[str] = field(default_factory=Counter)  # envelope type -> count
    stages: dict[str, list[float]] = field(default_factory=dict)  # stage -> ms
    checked: int = 0  # answers compared with a gold result
    correct: int = 0

    @property
    def requests(self) -> int:
        return len(self.answered) + sum(self.errors.values())

    def lines(self) -> list[str]:
        out = [f"clients {self.clients}, {self.seconds:.1f} s: {self.requests} requests, "
               f"{self.requests / self.seconds:.1f} req/s; {len(self.answered)} answered, "
               f"{len(self.answered) / self.seconds:.1f} answers/s",
               f"answer latency ms: {_pcts(self.answered, 1000)}"]
        if self.refused:
            out.append(f"overload answers (429/503) ms: {_pcts(self.refused, 1000)}")
        for stage, values in self.stages.items():
            out.append(f"stage {stage} ms: {_pcts(values, 1)}")
        errors = ", ".join(f"{k} {v}" for k, v in self.errors.most_common()) or "none"
        out.append(f"errors: {errors}")
        if self.checked:
            out.append(f"execution accuracy under load: {100 * self.correct / self.checked:.1f}% "
                       f"({self.correct}/{self.checked})")
        return out


def _pcts(values: Sequence[float], scale: float) -> str:
    if not values:
        return "n/a"
    s = sorted(values)
    at = [s[min(len(s) - 1, int(p * len(s)))] * scale for p in (0.5, 0.95, 0.99)]
    return f"p50 {at[0]:.2f}  p95 {at[1]:.2f}  p99 {at[2]:.2f}  max {s[-1] * scale:.2f}"


def load_questions(path: Path, gold_database: str | None = None) -> list[Question]:
    """Questions from a JSONL file (objects with `question`, optionally `gold_sql`) or a
    text file (one question a line); with `gold_database`, gold results are read there."""
    try:
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError as e:
        raise InputError(f"cannot read questions from {path}: {e}") from None
    records = [json.loads(ln) if ln.lstrip().startswith("{") else {"question": ln.strip()}
               for ln in lines]
    if not records:
        raise InputError(f"no questions in {path}")
    if gold_database is None:
        return [Question(r["question"]) for r in records]
    from nl2sql.backends import open_backend
    from nl2sql.errors import Nl2SqlError

    out = []
    db = open_backend(gold_database, max_rows=100_000)
    try:
        for r in records:
            gold = None
            if r.get("gold_sql"):
                try:
                    gold = db.run(r["gold_sql"]).rows
                except Nl2SqlError:
                    gold = None
            out.append(Question(r["question"], gold, "order by" in r.get("gold_sql", "").lower()))
    finally:
        db.close()
    return out


class _Connection:
    """One keep-alive HTTP/1.1 connection; responses must carry Content-Length."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._head = f"Host: {host}:{port}\r\nContent-Type: application/json\r\n{extra}"
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(f"POST {path} HTTP/1.1\r\n{self._head}Content-Length: {len(body)}\r\n\r\n"
                     .encode() + body)
        status = int((await reader.readline()).split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        payload = await reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, payload

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


def _parse_url(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ConfigError(f"the gateway URL must look like http://host:port, got {url!r}")
    return parts.hostname, parts.port or 80


async def _client(conn: _Connection, path: str, field_name: str, questions: Sequence[Question],
                  offset: int, stop: float, report: Report, backoff: bool) -> None:
    from nl2sql.eval.compare import normalize_rows, results_match

    i = offset
    while time.perf_counter() < stop:
        q = questions[i % len(questions)]
        i += 1
        body = json.dumps({field_name: q.text}).encode()
        start = time.perf_counter()
        try:
            async with asyncio.timeout(_REQUEST_TIMEOUT_S):
                status, headers, payload = await conn.post(path, body)
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError, TimeoutError) as e:
            conn.close()
            report.errors["client_timeout" if isinstance(e, TimeoutError) else "connection"] += 1
            await asyncio.sleep(0.05)  # a refused connection would otherwise spin
            continue
        elapsed = time.perf_counter() - start
        data = json.loads(payload) if payload else {}
        if status == 200:
            report.answered.append(elapsed)
            for stage, ms in data.get("timings_ms", {}).items():
                report.stages.setdefault(stage, []).append(ms)
            if q.gold_rows is not None:
                report.checked += 1
                report.correct += results_match(normalize_rows(q.gold_rows),
                                                normalize_rows(data.get("rows", [])),
                                                ordered=q.ordered)
            continue
        report.errors[data.get("error", {}).get("type", f"http_{status}")] += 1
        if status in _OVERLOAD:
            report.refused.append(elapsed)
            if backoff:
                wait = float(headers.get("retry-after", "1") or 1)
                await asyncio.sleep(max(0.0, min(wait, stop - time.perf_counter())))


async def _run(url: str, questions: Sequence[Question], clients: int, seconds: float,
               endpoint: str, headers: dict[str, str], backoff: bool) -> Report:
    host, port = _parse_url(url)
    path, field_name = ("/v1/sql", "sql") if endpoint == "sql" else ("/v1/ask", "question")
    report = Report(clients, seconds)
    conns = [_Connection(host, port, headers) for _ in range(clients)]
    stop = time.perf_counter() + seconds
    try:
        await asyncio.gather(*(_client(c, path, field_name, questions, n, stop, report, backoff)
                               for n, c in enumerate(conns)))
    finally:
        for c in conns:
            c.close()
    return report


def run_load(url: str, questions: Sequence[Question], *, clients: int = 16,
             seconds: float = 10.0, endpoint: str = "ask", api_key: str | None = None,
             backoff: bool = True) -> Report:
    """Drive the gateway at `url` with `clients` concurrent clients for `seconds`."""
    if clients < 1 or seconds <= 0 or not questions:
        raise InputError("loadtest needs clients >= 1, seconds > 0 and at least one question")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return asyncio.run(_run(url, questions, clients, seconds, endpoint, headers, backoff))
