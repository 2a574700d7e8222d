"""The HTTP request and response bodies (pydantic lives here, at the boundary, only)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "AskRequest", "AskResponse", "CacheClearResponse", "ErrorBody", "ErrorResponse", "SqlRequest",
]


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000, description="The question, zh or en.")
    database: str | None = Field(default=None, description="A configured database name.")
    deadline_ms: int | None = Field(default=None, ge=1, le=600_000,
                                    description="End-to-end deadline for this request.")
    hold: bool | None = Field(
        default=None, description="When the deadline would pass, answer with a holding "
        "sentence and an answer_id to fetch later (default: the hold_on_deadline setting).")
    default_policy: Literal["ask", "first"] | None = Field(
        default=None, description="Competing entities: ask back (409) or take the first "
        "option and say so (default: the default_policy setting).")


class SqlRequest(BaseModel):
    sql: str = Field(min_length=1, max_length=100_000, description="One read-only statement.")
    database: str | None = None
    deadline_ms: int | None = Field(default=None, ge=1, le=600_000)


class AskResponse(BaseModel):
    question: str
    sql: str
    dialect: str
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    answer_text: str
    tier: str
    confidence: float
    timings_ms: dict[str, float]
    evidence: list[str]
    database: str
    cached: bool = Field(default=False, description="The rows came from the result cache.")
    route: dict[str, str] | None = Field(
        default=None, description="HTAP databases only: where the query ran (`store`: row or "
        "columnar, `dialect`) and why (`reason`).")
    needs_clarification: bool = Field(
        default=False, description="Always false here: an unresolved ambiguity is a 409.")
    options: list[str] = Field(
        default_factory=list, description="Competing readings of a mention, one assumed.")
    assumption: str = Field(default="", description="The reading assumed (said in answer_text).")
    pending: bool = Field(default=False, description="Still being computed: answer_text is "
                          "a holding sentence; GET /v1/answers/{answer_id} later.")
    answer_id: str | None = Field(default=None, description="Id of a held answer.")


class CacheClearResponse(BaseModel):
    cleared: int = Field(description="Cached results dropped.")


class ErrorBody(BaseModel):
    type: str
    message: str
    request_id: str | None = Field(default=None, description="Echo of X-Request-ID.")
    model_config = {"extra": "allow"}


class ErrorResponse(BaseModel):
    error: ErrorBody
