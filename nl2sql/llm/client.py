"""A client for any OpenAI-compatible chat-completions server (vLLM, llama.cpp, others).

One implementation: the async `ModelClient.chat` does the work (streaming, retries with
backoff, `n` samples, the concurrency limit); `ModelClient.chat_sync` runs it on a private
event loop for synchronous callers such as the gateway's worker threads.

Errors: an unreachable, failing or too slow server is a `ModelUnavailable` (503) once the
retries are spent; a reply that is not a chat completion is a `GenerationError`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from nl2sql.errors import GenerationError, ModelUnavailable

__all__ = ["ClientOptions", "Completion", "ModelClient", "shared_client"]

Message = dict[str, str]
OnText = Callable[[int, str], None]  # (choice index, new text) while streaming

_RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
_BACKOFF_S = 0.25
_MAX_BACKOFF_S = 4.0


@dataclass(frozen=True)
class ClientOptions:
    """Where the model is and how patient to be with it (from the NL2SQL_MODEL_* settings)."""

    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = "local"
    api_key: str = ""
    timeout_s: float = 60.0       # one attempt, connect to last byte
    connect_timeout_s: float = 5.0
    retries: int = 2              # further attempts after a failed one
    max_concurrency: int = 4      # requests in flight from this process

    @classmethod
    def from_settings(cls, settings: Any) -> ClientOptions:
        return cls(settings.model_base_url, settings.model_name, settings.model_api_key,
                   settings.model_timeout_s, min(5.0, settings.model_timeout_s),
                   settings.model_retries, settings.model_max_concurrency)


@dataclass(frozen=True)
class Completion:
    """The texts of one chat completion (one per sample) and how long they took."""

    texts: tuple[str, ...]
    finish_reasons: tuple[str, ...]
    ttft_ms: float        # to the first content token (streaming) or to the whole reply
    total_ms: float
    attempts: int = 1
    usage: dict[str, Any] = field(default_factory=dict)


class ModelClient:
    """Chat completions with retries, a process-wide concurrency limit and `n` samples."""

    def __init__(self, options: ClientOptions | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.options = options or ClientOptions()
        self._transport = transport
        # A thread semaphore, polled from async code: it bounds requests across every event
        # loop and thread of the process (the sync wrapper runs one loop per call).
        self._slots = threading.BoundedSemaphore(self.options.max_concurrency)
        self._native_n = True  # llama.cpp answers 400 to n > 1: then sample one by one

    def chat_sync(self, messages: Sequence[Message], **kwargs: Any) -> Completion:
        """`chat` for synchronous callers (not from inside a running event loop)."""
        return asyncio.run(self.chat(messages, **kwargs))

    async def chat(self, messages: Sequence[Message], *, n: int = 1, temperature: float = 0.0,
                   max_tokens: int = 256, stream: bool = False, on_text: OnText | None = None,
                   extra: dict[str, Any] | None = None) -> Completion:
        """One chat completion with `n` samples.

        Args:
            stream: read the reply as server-sent events (gives time to first token);
                `on_text` then sees each piece of text as it arrives.
            extra: more request fields, e.g. a llama.cpp `grammar`.
        """
        body: dict[str, Any] = {"model": self.options.model, "messages": list(messages),
                                "temperature": temperature, "max_tokens": max_tokens,
                                "stream": stream, **(extra or {})}
        async with self._http() as http:
            if n == 1 or self._native_n:
                try:
                    return await self._request(http, {**body, "n": n}, on_text)
                except _NotSupported:
                    self._native_n = False
            parts = await asyncio.gather(*(
                self._request(http, {**body, "n": 1, "seed": random.randrange(2**31)},
                              on_text and _shifted(on_text, i))
                for i in range(n)))
        return Completion(tuple(p.texts[0] for p in parts),
                          tuple(p.finish_reasons[0] for p in parts),
                          min(p.ttft_ms for p in parts), max(p.total_ms for p in parts),
                          max(p.attempts for p in parts))

    def _http(self) -> httpx.AsyncClient:
        o = self.options
        headers = {"Authorization": f"Bearer {o.api_key}"} if o.api_key else {}
        return httpx.AsyncClient(
            base_url=o.base_url.rstrip("/") + "/", headers=headers, transport=self._transport,
            timeout=httpx.Timeout(o.timeout_s, connect=o.connect_timeout_s))

    async def _request(self, http: httpx.AsyncClient, body: dict[str, Any],
                       on_text: OnText | None) -> Completion:
        """POST once per attempt, backing off between attempts on retryable failures."""
        last = ""
        for attempt in range(self.options.retries + 1):
            if attempt:
                await asyncio.sleep(min(_MAX_BACKOFF_S, _BACKOFF_S * 2 ** (attempt - 1))
                                    * (0.5 + random.random()))
            try:
                async with self._slot():
                    done = await asyncio.wait_for(self._attempt(http, body, on_text),
                                                  self.options.timeout_s)
                return replace(done, attempts=attempt + 1)
            except _Retryable as e:
                last = str(e)
            except (TimeoutError, httpx.TimeoutException):
                last = f"no reply within {self.options.timeout_s:g} s"
            except httpx.TransportError as e:
                last = f"{type(e).__name__}: {e}"
        raise ModelUnavailable(f"the model server failed {self.options.retries + 1} times: "
                               f"{last}", reason="model_unavailable")

    async def _attempt(self, http: httpx.AsyncClient, body: dict[str, Any],
                       on_text: OnText | None) -> Completion:
        start = time.perf_counter()
        async with http.stream("POST", "chat/completions", json=body) as response:
            if response.status_code != 200:
                await response.aread()
                _raise_for(response, body)
            # A server may ignore `stream` and answer in one piece; read what it sent.
            if response.headers.get("content-type", "").startswith("text/event-stream"):
                return await _read_events(response, start, on_text)
            await response.aread()
            took = (time.perf_counter() - start) * 1000
            return _parse_reply(response, took)

    def _slot(self) -> _Slot:
        return _Slot(self._slots)


@functools.lru_cache(maxsize=8)
def shared_client(options: ClientOptions) -> ModelClient:
    """One client per distinct options in this process, so its concurrency limit is shared
    by every caller (the gateway's threads, the arbiter, the benchmarks)."""
    return ModelClient(options)


class _Slot:
    """Async context manager over a thread semaphore (see ModelClient.__init__)."""

    def __init__(self, semaphore: threading.BoundedSemaphore) -> None:
        self._semaphore = semaphore

    async def __aenter__(self) -> None:
        while not self._semaphore.acquire(blocking=False):
            await asyncio.sleep(0.01)

    async def __aexit__(self, *exc: object) -> None:
        self._semaphore.release()


class _Retryable(Exception):
    pass


class _NotSupported(Exception):
    pass


def _raise_for(response: httpx.Response, body: dict[str, Any]) -> None:
    text = response.text[:300]
    if response.status_code in _RETRY_STATUS:
        raise _Retryable(f"HTTP {response.status_code}: {text}")
    if response.status_code == 400 and body.get("n", 1) > 1 and "'n'" in text:
        raise _NotSupported(text)
    if response.status_code in (401, 403):
        raise ModelUnavailable(f"the model server refused the API key (HTTP "
                               f"{response.status_code})", reason="model_unauthorized")
    raise GenerationError(f"the model server rejected the request (HTTP "
                          f"{response.status_code}): {text}", reason="model_rejected")


def _parse_reply(response: httpx.Response, took_ms: float) -> Completion:
    try:
        data = response.json()
        choices = sorted(data["choices"], key=lambda c: c.get("index", 0))
        texts = tuple(c["message"].get("content") or "" for c in choices)
        reasons = tuple(c.get("finish_reason") or "" for c in choices)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise _Retryable(f"not a chat completion: {response.text[:200]}") from e
    return Completion(texts, reasons, took_ms, took_ms, usage=data.get("usage") or {})


async def _read_events(response: httpx.Response, start: float,
                       on_text: OnText | None) -> Completion:
    """Collect a server-sent-event stream of chat-completion chunks, per choice index."""
    texts: dict[int, list[str]] = {}
    reasons: dict[int, str] = {}
    first: float | None = None
    usage: dict[str, Any] = {}
    async for line in response.aiter_lines():
        if not line.startswith("data:"):
            continue  # blank separators, ": keep-alive" comments, event names
        payload = line[5:].strip()
        if payload == "[DONE]":
            break
        try:
            chunk = json.loads(payload)
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or ():
                i = choice.get("index", 0)
                piece = (choice.get("delta") or {}).get("content") or ""
                if piece:
                    first = first or time.perf_counter()
                    texts.setdefault(i, []).append(piece)
                    if on_text is not None:
                        on_text(i, piece)
                if choice.get("finish_reason"):
                    reasons[i] = choice["finish_reason"]
        except (ValueError, AttributeError, TypeError) as e:
            raise _Retryable(f"malformed stream chunk: {payload[:200]}") from e
    if not reasons:
        raise _Retryable("the stream ended before the reply finished")
    end = time.perf_counter()
    order = sorted(set(texts) | set(reasons))
    return Completion(tuple("".join(texts.get(i, ())) for i in order),
                      tuple(reasons.get(i, "") for i in order),
                      ((first or end) - start) * 1000, (end - start) * 1000, usage=usage)


def _shifted(on_text: OnText, index: int) -> OnText:
    """Report a one-sample request's text under its place among the n samples."""
    return lambda _i, piece: on_text(index, piece)
