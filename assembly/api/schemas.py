"""Response bodies of the research API, as msgspec structs (they document the OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec


class ErrorBody(msgspec.Struct):
    status_code: int
    detail: str


class AssemblyOut(msgspec.Struct):
    slug: str
    title: str
    place: str
    language: str
    description: str
    status: str
    topic_count: int
    url: str


class AssemblyList(msgspec.Struct):
    items: list[AssemblyOut]
    total: int
    limit: int
    offset: int


class TopicOut(msgspec.Struct):
    slug: str
    question: str
    background: str
    spotlight_area: str
    voting_method: str
    seats: int
    ballot_secrecy: str
    phase: str
    result_available: bool
    proposals_url: str
    result_url: str


class TopicList(msgspec.Struct):
    assembly: str
    items: list[TopicOut]


class ReactionCounts(msgspec.Struct):
    agree: int = 0
    disagree: int = 0
    pass_: int = msgspec.field(default=0, name="pass")


class ProposalOut(msgspec.Struct):
    id: int
    title: str
    body: str
    status: str
    merged_into_id: int | None
    created_at: dt.datetime
    reactions: ReactionCounts


class ProposalList(msgspec.Struct):
    topic: str
    items: list[ProposalOut]
    total: int
    limit: int
    offset: int


class ResultOut(msgspec.Struct):
    topic: str
    method: str
    published: bool
    winners: list[str]
    ranking: list[list[str]]
    options: dict[str, str]
    params: dict[str, Any]
    explanation: dict[str, Any]


class ExportFormat(msgspec.Struct):
    format: str
    description: str
    url: str


class ExportList(msgspec.Struct):
    assembly: str
    formats: list[ExportFormat]
    topics_with_ballots: list[str]
    topics_with_results: list[str]
    recount: str
