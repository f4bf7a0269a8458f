"""The read-only research API under /api/v1, and the researchers' token pages.

Published assemblies, their topics, proposals and published results need no token. Everything
else (assemblies not published, results not yet published, exports) needs a researcher token,
sent as ``Authorization: Bearer <token>``; each request made with a token is audited. Every
error is a JSON body ``{"status_code": ..., "detail": ...}`` with a 4xx status that says what
was wrong; nothing a client sends can cause a 500.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.params import Parameter
from litestar.response import Redirect, Stream, Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from assembly.api import schemas
from assembly.api import services as tokens
from assembly.ballots.services import compute_result, option_titles, stored_result
from assembly.db.models import Account, Assembly, Proposal, Reaction, Topic
from assembly.errors import DomainError, InvalidInput, NotAllowed, NotFound, SignInRequired
from assembly.exports.controllers import FORMAT_LABELS
from assembly.exports.services import (
    CLOSED_PHASES,
    FORMATS,
    ExportOptions,
    download_headers,
    effective_phase,
    export_filename,
    record_export_now,
    stream_export_zip,
)
from assembly.settings import Settings
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.templating import page

logger = logging.getLogger("assembly")
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,119}$")
MAX_ID = 2**63 - 1
API = "/api/v1"
PUBLIC = (
    "Public data of published assemblies needs no token. With a researcher token, sent as "
    "'Authorization: Bearer <token>', the assemblies, draft topics and closed results its "
    "account has been granted are included too."
)
PRIVATE = (
    "Needs a researcher token, sent as 'Authorization: Bearer <token>', whose account has been "
    "granted this assembly: 401 without a valid token, 403 without the grant."
)


# --- who is calling -------------------------------------------------------------------------


@dataclass
class ApiCaller:
    """The token's account, or nobody for requests without a token."""

    account: Account | None = None
    token_id: int | None = None


async def provide_caller(request: Request[Any, Any, Any], db_session: AsyncSession) -> ApiCaller:
    """The caller named by the ``Authorization: Bearer <token>`` header, if any.

    Read from the headers rather than declared as a parameter: OpenAPI ignores parameters
    named Authorization, so each operation's description says when a token is needed.
    """
    header = request.headers.get("authorization")
    if header is None:
        return ApiCaller()
    scheme, _sep, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthorizedException(
            "Send the token as the header 'Authorization: Bearer <token>'."
        )
    found = await tokens.authenticate(db_session, value.strip())
    if found is None:
        raise NotAuthorizedException("The token is not valid, or it has been revoked.")
    token, account = found
    await tokens.record_token_use(
        request.app.state.engine, token.id, account.id, request.method, request.url.path
    )
    return ApiCaller(account=account, token_id=token.id)


# --- errors as JSON -------------------------------------------------------------------------


def _error(status_code: int, detail: str, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        schemas.ErrorBody(status_code=status_code, detail=detail),
        status_code=status_code,
        media_type=MediaType.JSON,
        headers=headers,
    )


def api_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else ""
    if isinstance(exc, ValidationException):
        problems = "; ".join(
            f"{item.get('key', '')}: {item.get('message', '')}"
            for item in (exc.extra or [])
            if isinstance(item, dict)
        )
        message = "The request has invalid parameters" + (f": {problems}." if problems else ".")
        return _error(400, message)
    if isinstance(exc, NotAuthorizedException):
        return _error(
            401,
            detail or "This needs a researcher token.",
            {"WWW-Authenticate": 'Bearer realm="assembly"'},
        )
    if isinstance(exc, PermissionDeniedException):
        return _error(403, detail or "The token's account may not read this.")
    if isinstance(exc, NotFoundException):
        return _error(404, detail or "Not found.")
    return _error(exc.status_code, detail or "The request was not accepted.")


def api_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """A service's refusal, in the same JSON shape as Litestar's own errors."""
    detail = " ".join(str(message) for message in exc.errors.values() if str(message))
    if isinstance(exc, SignInRequired):
        return _error(
            401,
            detail or "This needs a researcher token.",
            {"WWW-Authenticate": 'Bearer realm="assembly"'},
        )
    if isinstance(exc, NotAllowed):
        return _error(403, detail or "The token's account may not read this.")
    if isinstance(exc, NotFound):
        return _error(404, detail or "Not found.")
    return _error(exc.status_code, detail or "The request was not accepted.")


def api_server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("API error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error(500, "An unexpected error happened; nothing was changed.")


# --- lookups ----------------------------------------------------------------------------------


async def _assembly(db: AsyncSession, slug: str, caller: ApiCaller) -> tuple[Assembly, bool]:
    """The assembly and whether the caller has research access; 404 when invisible to them."""
    missing = NotFoundException(f"There is no assembly {slug!r} that you can see.")
    if not SLUG.match(slug):
        raise missing
    assembly = await db.scalar(select(Assembly).where(Assembly.slug == slug))
    if assembly is None:
        raise missing
    access = await tokens.has_research_access(db, caller.account, assembly)
    if assembly.status != "published" and not access:
        raise missing
    return assembly, access


async def _topic(
    db: AsyncSession, assembly: Assembly, slug: str, access: bool
) -> tuple[Topic, str]:
    missing = NotFoundException(
        f"Assembly {assembly.slug!r} has no topic {slug!r} that you can see."
    )
    if not SLUG.match(slug):
        raise missing
    topic = await db.scalar(
        select(Topic).where(
            Topic.assembly_id == assembly.id, Topic.slug == slug, Topic.kind == "topic"
        )
    )
    if topic is None:
        raise missing
    phase = _phase(topic)
    if phase == "draft" and not access:
        raise missing
    return topic, phase


def _phase(topic: Topic) -> str:
    return effective_phase(topic.phase, topic.phase_schedule, dt.datetime.now(dt.UTC))


def _result_available(phase: str, access: bool) -> bool:
    return phase == "published" or (access and phase in CLOSED_PHASES)


def _assembly_out(assembly: Assembly, topic_count: int) -> schemas.AssemblyOut:
    return schemas.AssemblyOut(
        slug=assembly.slug,
        title=assembly.title,
        place=assembly.place,
        language=assembly.language,
        description=assembly.description,
        status=assembly.status,
        topic_count=topic_count,
        url=f"{API}/assemblies/{assembly.slug}",
    )


async def _require_export_access(db: AsyncSession, slug: str, caller: ApiCaller) -> Assembly:
    if caller.account is None:
        raise NotAuthorizedException("Exports need a researcher token.")
    if not SLUG.match(slug):
        raise NotFoundException(f"There is no assembly {slug!r} that you can see.")
    assembly = await db.scalar(select(Assembly).where(Assembly.slug == slug))
    if assembly is None:
        raise NotFoundException(f"There is no assembly {slug!r} that you can see.")
    if not await tokens.has_research_access(db, caller.account, assembly):
        raise PermissionDeniedException(
            "The token's account has not been granted research access to this assembly."
        )
    return assembly


# --- the API --------------------------------------------------------------------------------


class ApiController(Controller):
    path = API
    tags = ["Research API"]  # noqa: RUF012 - Litestar reads these class attributes
    dependencies = {"caller": Provide(provide_caller)}  # noqa: RUF012
    # Every class the application maps too, so that these JSON answers take precedence.
    exception_handlers = {  # noqa: RUF012
        NotAuthorizedException: api_http_error,
        PermissionDeniedException: api_http_error,
        NotFoundException: api_http_error,
        ValidationException: api_http_error,
        HTTPException: api_http_error,
        DomainError: api_domain_error,
        Exception: api_server_error,
    }

    @get("/assemblies", summary="List assemblies", description=PUBLIC)
    async def list_assemblies(
        self,
        db_session: AsyncSession,
        caller: ApiCaller,
        limit: int = Parameter(ge=1, le=200, default=50, description="Items per page."),
        offset: int = Parameter(ge=0, le=10**9, default=0, description="Items to skip."),
    ) -> schemas.AssemblyList:
        """Published assemblies, and with a token also those the token's account may read."""
        granted = await tokens.granted_assembly_ids(db_session, caller.account)
        query = select(Assembly)
        if granted is not None:
            query = query.where((Assembly.status == "published") | Assembly.id.in_(granted))
        total = await db_session.scalar(select(func.count()).select_from(query.subquery())) or 0
        assemblies = (
            await db_session.scalars(query.order_by(Assembly.slug).limit(limit).offset(offset))
        ).all()
        counts = dict(
            (
                await db_session.execute(
                    select(Topic.assembly_id, func.count())
                    .where(Topic.assembly_id.in_([a.id for a in assemblies]), Topic.kind == "topic")
                    .group_by(Topic.assembly_id)
                )
            )
            .tuples()
            .all()
        )
        items = [_assembly_out(a, counts.get(a.id, 0)) for a in assemblies]
        return schemas.AssemblyList(items=items, total=total, limit=limit, offset=offset)

    @get("/assemblies/{slug:str}", summary="One assembly", description=PUBLIC)
    async def get_assembly(
        self, slug: str, db_session: AsyncSession, caller: ApiCaller
    ) -> schemas.AssemblyOut:
        assembly, _access = await _assembly(db_session, slug, caller)
        count = await db_session.scalar(
            select(func.count()).where(Topic.assembly_id == assembly.id, Topic.kind == "topic")
        )
        return _assembly_out(assembly, count or 0)

    @get("/assemblies/{slug:str}/topics", summary="An assembly's topics", description=PUBLIC)
    async def list_topics(
        self, slug: str, db_session: AsyncSession, caller: ApiCaller
    ) -> schemas.TopicList:
        assembly, access = await _assembly(db_session, slug, caller)
        topics = (
            await db_session.scalars(
                select(Topic)
                .where(Topic.assembly_id == assembly.id, Topic.kind == "topic")
                .order_by(Topic.position, Topic.id)
            )
        ).all()
        items = []
        for topic in topics:
            phase = _phase(topic)
            if phase == "draft" and not access:
                continue
            items.append(self._topic_out(assembly, topic, phase, access))
        return schemas.TopicList(assembly=assembly.slug, items=items)

    @staticmethod
    def _topic_out(assembly: Assembly, topic: Topic, phase: str, access: bool) -> schemas.TopicOut:
        base = f"{API}/assemblies/{assembly.slug}/topics/{topic.slug}"
        return schemas.TopicOut(
            slug=topic.slug,
            question=topic.question,
            background=topic.background,
            spotlight_area=topic.spotlight_area.slug,
            voting_method=topic.voting_method,
            seats=topic.seats or 1,
            ballot_secrecy=topic.ballot_secrecy,
            phase=phase,
            result_available=_result_available(phase, access),
            proposals_url=f"{base}/proposals",
            result_url=f"{base}/result",
        )

    @get("/assemblies/{slug:str}/topics/{topic_slug:str}", summary="One topic", description=PUBLIC)
    async def get_topic(
        self, slug: str, topic_slug: str, db_session: AsyncSession, caller: ApiCaller
    ) -> schemas.TopicOut:
        assembly, access = await _assembly(db_session, slug, caller)
        topic, phase = await _topic(db_session, assembly, topic_slug, access)
        return self._topic_out(assembly, topic, phase, access)

    @get(
        "/assemblies/{slug:str}/topics/{topic_slug:str}/proposals",
        summary="A topic's proposals",
        description=PUBLIC,
    )
    async def list_proposals(
        self,
        slug: str,
        topic_slug: str,
        db_session: AsyncSession,
        caller: ApiCaller,
        limit: int = Parameter(ge=1, le=200, default=50, description="Items per page."),
        offset: int = Parameter(ge=0, le=10**9, default=0, description="Items to skip."),
    ) -> schemas.ProposalList:
        """Visible and merged proposals (hidden ones never), with their reaction counts."""
        assembly, access = await _assembly(db_session, slug, caller)
        topic, _phase_now = await _topic(db_session, assembly, topic_slug, access)
        shown = (Proposal.topic_id == topic.id) & (Proposal.status != "hidden")
        total = await db_session.scalar(select(func.count()).where(shown)) or 0
        proposals = (
            await db_session.scalars(
                select(Proposal).where(shown).order_by(Proposal.id).limit(limit).offset(offset)
            )
        ).all()
        return schemas.ProposalList(
            topic=topic.slug,
            items=await _proposals_out(db_session, list(proposals)),
            total=total,
            limit=limit,
            offset=offset,
        )

    @get(
        "/assemblies/{slug:str}/topics/{topic_slug:str}/proposals/{proposal_id:str}",
        summary="One proposal",
        description=PUBLIC,
    )
    async def get_proposal(
        self,
        slug: str,
        topic_slug: str,
        proposal_id: str,
        db_session: AsyncSession,
        caller: ApiCaller,
    ) -> schemas.ProposalOut:
        """One visible or merged proposal; ``proposal_id`` is a whole number."""
        if not proposal_id.isdigit() or len(proposal_id) > 18:
            raise ValidationException(
                extra=[{"key": "proposal_id", "message": "must be a whole number such as 12"}]
            )
        assembly, access = await _assembly(db_session, slug, caller)
        topic, _phase_now = await _topic(db_session, assembly, topic_slug, access)
        number = int(proposal_id)
        proposal = await db_session.get(Proposal, number) if 0 < number <= MAX_ID else None
        if proposal is None or proposal.topic_id != topic.id or proposal.status == "hidden":
            raise NotFoundException(f"Topic {topic.slug!r} has no proposal {number}.")
        return (await _proposals_out(db_session, [proposal]))[0]

    @get(
        "/assemblies/{slug:str}/topics/{topic_slug:str}/result",
        summary="A topic's result",
        description=PUBLIC,
    )
    async def get_result(
        self, slug: str, topic_slug: str, db_session: AsyncSession, caller: ApiCaller
    ) -> schemas.ResultOut:
        """The published result; with a granted token also the count of a closed topic."""
        assembly, access = await _assembly(db_session, slug, caller)
        topic, phase = await _topic(db_session, assembly, topic_slug, access)
        if not _result_available(phase, access):
            raise NotFoundException(f"No result is available for topic {topic.slug!r} yet.")
        result = stored_result(topic) or await compute_result(db_session, topic)
        titles = await option_titles(db_session, topic)
        ranked = {o for tier in result.ranking for o in tier} | set(result.winners)
        return schemas.ResultOut(
            topic=topic.slug,
            method=result.method,
            published=phase == "published",
            winners=list(result.winners),
            ranking=[list(tier) for tier in result.ranking],
            options={o: titles.get(o, "") for o in sorted(ranked, key=_numeric)},
            params=dict(result.params),
            explanation=dict(result.explanation),
        )

    @get(
        "/assemblies/{slug:str}/exports",
        summary="Export formats (token needed)",
        description=PRIVATE,
    )
    async def list_exports(
        self, slug: str, db_session: AsyncSession, caller: ApiCaller
    ) -> schemas.ExportList:
        assembly = await _require_export_access(db_session, slug, caller)
        topics = (
            await db_session.scalars(
                select(Topic).where(Topic.assembly_id == assembly.id, Topic.kind == "topic")
            )
        ).all()
        phases = {t.slug: _phase(t) for t in topics}
        return schemas.ExportList(
            assembly=assembly.slug,
            formats=[
                schemas.ExportFormat(
                    format=f,
                    description=str(FORMAT_LABELS[f]),
                    url=f"{API}/assemblies/{assembly.slug}/exports/{f}",
                )
                for f in FORMATS
            ],
            topics_with_ballots=sorted(s for s, p in phases.items() if p in CLOSED_PHASES),
            topics_with_results=sorted(t.slug for t in topics if t.published_result),
            recount="assembly recount PACKAGE_DIR",
        )

    @get(
        "/assemblies/{slug:str}/exports/{format_name:str}",
        summary="Download an export as a ZIP (token needed)",
        description=PRIVATE,
        media_type="application/zip",
        response_description="A ZIP file, streamed.",
    )
    async def download_export(
        self,
        slug: str,
        format_name: str,
        db_session: AsyncSession,
        db_engine: AsyncEngine,
        settings: Settings,
        caller: ApiCaller,
        k: int = Parameter(ge=1, le=1000, default=5, description="Small-cell threshold."),
    ) -> Stream:
        assembly = await _require_export_access(db_session, slug, caller)
        name = format_name.removesuffix(".zip")
        if name not in FORMATS:
            raise NotFoundException(
                f"There is no export format {format_name!r}; the formats are {', '.join(FORMATS)}."
            )
        options = ExportOptions(format=name, k=k, base_url=settings.base_url)
        await record_export_now(
            db_engine,
            assembly,
            options,
            actor_kind="token",
            actor_id=caller.token_id,
            via="api",
        )
        return Stream(
            stream_export_zip(db_engine, assembly.id, options),
            media_type="application/zip",
            headers=download_headers(export_filename(assembly, options)),
        )


def _numeric(option: str) -> tuple[int, str]:
    return (int(option), option) if option.isdigit() else (MAX_ID, option)


async def _proposals_out(db: AsyncSession, proposals: list[Proposal]) -> list[schemas.ProposalOut]:
    counts: dict[int, schemas.ReactionCounts] = {p.id: schemas.ReactionCounts() for p in proposals}
    if proposals:
        rows = await db.execute(
            select(Reaction.proposal_id, Reaction.reaction, func.count())
            .where(Reaction.proposal_id.in_(list(counts)))
            .group_by(Reaction.proposal_id, Reaction.reaction)
        )
        for proposal_id, reaction, count in rows.tuples():
            attribute = "pass_" if reaction == "pass" else reaction
            if hasattr(counts[proposal_id], attribute):
                setattr(counts[proposal_id], attribute, count)
    return [
        schemas.ProposalOut(
            id=p.id,
            title=p.title,
            body=p.body,
            status=p.status,
            merged_into_id=p.merged_into_id,
            created_at=p.created_at,
            reactions=counts[p.id],
        )
        for p in proposals
    ]


# --- token pages ------------------------------------------------------------------------------


class TokenPagesController(Controller):
    path = "/research/tokens"
    include_in_schema = False

    @get("/", name="research_tokens")
    async def index(self, viewer: Viewer, db_session: AsyncSession) -> Template:
        account = tokens.require_researcher(viewer)
        return await _tokens_page(db_session, account)

    @post("/", name="research_token_create")
    async def create(
        self, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Template:
        account = tokens.require_researcher(viewer)
        form = await read_form(request)
        values = {"name": form.get("name")}
        try:
            _token, raw = await tokens.create_token(db_session, account, values["name"])
        except InvalidInput as exc:
            return await _tokens_page(
                db_session, account, values=values, errors=exc.errors, status_code=400
            )
        return await _tokens_page(db_session, account, new_token=raw)

    @post("/{token_id:int}/revoke", name="research_token_revoke")
    async def revoke(self, token_id: int, viewer: Viewer, db_session: AsyncSession) -> Redirect:
        account = tokens.require_researcher(viewer)
        await tokens.revoke_token(db_session, account, token_id)
        return Redirect("/research/tokens", status_code=303)


async def _tokens_page(
    db: AsyncSession,
    account: Account,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, Any] | None = None,
    new_token: str = "",
    status_code: int = 200,
) -> Template:
    response = page(
        "research/tokens.html",
        tokens=await tokens.list_tokens(db, account),
        values=values or {"name": ""},
        errors=errors or {},
        new_token=new_token,
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"  # a new token is shown here, once
    return response
