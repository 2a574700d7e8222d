"""Held answers: a question whose deadline would pass gets a holding sentence and an id;
GET /v1/answers/{id} returns the full answer once the work, still running, has finished."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Response

from nl2sql.answer import Answer, PendingAnswers, holding_sentence
from nl2sql.pipeline import Gateway
from nl2sql.service.gateways import Gateways
from nl2sql.service.protocol import AskRequest, AskResponse
from nl2sql.text import language

__all__ = ["Held", "answer_or_hold", "answer_routes", "held_response"]

_RESPOND_MS = 10  # kept back from the deadline to write the response


@dataclass(frozen=True)
class Held:
    answer_id: str
    question: str
    database: str


async def answer_or_hold(gateways: Gateways, pending: PendingAnswers, name: str,
                         req: AskRequest, work: Callable[[Gateway, int], Awaitable[Answer]]
                         ) -> Answer | Held:
    """`work`'s answer; or, with holding on and the deadline reached first, a Held whose
    work goes on under the longer of the request's and the default deadline."""
    settings = gateways.settings
    hold = settings.hold_on_deadline if req.hold is None else req.hold
    if not hold:
        return await gateways.run(name, req.deadline_ms, work)
    wait_ms = req.deadline_ms or settings.deadline_ms
    future = asyncio.ensure_future(
        gateways.run(name, max(wait_ms, settings.deadline_ms), work))
    try:
        return await asyncio.wait_for(asyncio.shield(future),
                                      max(1, wait_ms - _RESPOND_MS) / 1000)
    except TimeoutError:
        return Held(pending.hold(future, Held("", req.question, name)), req.question, name)


def held_response(h: Held) -> dict[str, Any]:
    """The response body of an answer still pending: the holding sentence and its id."""
    return {"question": h.question, "sql": "", "dialect": "", "columns": [], "rows": [],
            "truncated": False, "answer_text": holding_sentence(language(h.question)),
            "tier": "pending", "confidence": 0.0, "timings_ms": {}, "evidence": [],
            "database": h.database, "pending": True, "answer_id": h.answer_id}


def answer_routes(pending: PendingAnswers, respond: Callable[[Answer, str], dict[str, Any]],
                  dependencies: list[Any], responses: dict[int | str, dict[str, Any]]
                  ) -> APIRouter:
    """GET /v1/answers/{id}: 200 with the answer, 202 while pending, 404 unknown/expired;
    a question that failed answers with its error envelope."""
    router = APIRouter()

    @router.get("/v1/answers/{answer_id}", response_model=AskResponse, responses=responses,
                dependencies=dependencies)
    async def fetch(answer_id: str, response: Response) -> dict[str, Any]:
        job = pending.get(answer_id)
        if job is None:
            raise HTTPException(404, f"no pending answer {answer_id!r} (unknown or expired)")
        future, held = job
        if not future.done():
            response.status_code = 202
            return held_response(Held(answer_id, held.question, held.database))
        return {**respond(future.result(), held.database), "answer_id": answer_id}

    return router
