"""Voting on a topic, changing the vote, and the published ballots with receipt checks."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.ballots import receipts, services
from assembly.ballots.forms import (
    BallotFormError,
    BallotOptions,
    checked_values,
    is_check,
    parse_ballot,
    values_from_content,
)
from assembly.ballots.results import METHOD_LABELS, describe_ballot
from assembly.ballots.writer import vote_writer_for
from assembly.db.models import Assembly, Participant, Topic
from assembly.errors import InvalidInput
from assembly.proposals.phases import PHASE_LABELS, VOTING_PHASES, phase_now
from assembly.proposals.services import require_participant
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.live import ballot_cast
from assembly.web.loaders import VOTING_TOPIC
from assembly.web.templating import page


async def _vote_page(
    template: str,
    db: AsyncSession,
    assembly: Assembly,
    topic: Topic,
    participant: Participant,
    options: BallotOptions | None = None,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
    read_only: bool = False,
    checked: bool = False,
) -> Template:
    phase = phase_now(topic)  # the phase in force by time; nothing is written
    # The change page tells the voter, in their own session, when their vote was stored.
    stored = None
    if template == "ballots/change.html" and phase in VOTING_PHASES:
        stored = await receipts.stored_at(db, topic, participant)
    return page(
        template,
        status_code=status_code,
        assembly=assembly,
        topic=topic,
        participant=participant,
        phase=phase,
        phase_label=PHASE_LABELS[phase],
        voting_open=phase in VOTING_PHASES,
        options=options if options is not None else await services.ballot_options(db, topic),
        method_label=METHOD_LABELS.get(topic.voting_method, topic.voting_method),
        secret=topic.ballot_secrecy != "open",
        values=values or {},
        errors=errors or {},
        checked=checked,
        stored_at=stored,
        base=f"/assemblies/{assembly.slug}/topics/{topic.slug}",
    )


def _receipt_page(assembly: Assembly, topic: Topic, code: str, *, renewed: bool) -> Template:
    # The receipt is shown once: no cache may keep a copy of this page.
    return Template(
        template_name="ballots/receipt.html",
        context={
            "assembly": assembly,
            "topic": topic,
            "receipt": code,
            "renewed": renewed,
            "secret": topic.ballot_secrecy != "open",
            "base": f"/assemblies/{assembly.slug}/topics/{topic.slug}",
        },
        headers={"Cache-Control": "no-store"},
    )


async def published_page(
    db: AsyncSession, assembly: Assembly, topic: Topic, kind: str, base: str, **extra: Any
) -> Template:
    """The published ballots page: receipt hashes and ballots as two unpaired lists."""
    public = await receipts.public_ballots(db, topic)
    titles = await services.option_titles(db, topic)
    context: dict[str, Any] = {
        "assembly": assembly,
        "topic": topic,
        "receipts": public.receipts,
        "ballots": [describe_ballot(kind, content, titles) for content in public.as_cast],
        "withheld": public.withheld,
        "k": public.k,
        "values": {"receipt": ""},
        "errors": {},
        "checked": None,
        "found": None,
        "base": base,
    }
    context.update(extra)
    return page("ballots/published.html", **context)


async def checked(db: AsyncSession, topic: Topic, receipt: str) -> dict[str, Any]:
    """What the receipt check adds to the published page: where the ballot is, not what."""
    if services.receipt_hash(receipt) is None:
        return {"values": {"receipt": receipt}, "errors": {"receipt": services.MALFORMED_RECEIPT}}
    found = await receipts.check_receipt(db, topic, receipt)
    return {"values": {"receipt": receipt}, "checked": True, "found": found}


async def published_ballots_json(
    db: AsyncSession, assembly: Assembly, topic: Topic, *, seats: int
) -> dict[str, Any]:
    """The published ballots in the form ``assembly tally`` reads, for a recount; the
    receipt hashes apart from the ballots, and no ballot at all below the small-cell threshold."""
    public = await receipts.public_ballots(db, topic)
    counted = public.counted
    assert counted is not None
    return {
        "assembly": assembly.slug,
        "topic": topic.slug,
        "method": topic.voting_method,
        "options": counted.options,
        "params": dict(counted.params),
        "seats": seats,
        "ballots": counted.ballots,
        "ballots_as_cast": public.as_cast,
        "receipt_hashes": public.receipts,
        "withheld": public.withheld,
        "small_cell_k": public.k,
        "counts": topic.published_counts,
        "result": topic.published_result,
    }


class BallotController(Controller):
    path = "/assemblies/{slug:str}/topics/{topic_slug:str}"
    dependencies = VOTING_TOPIC

    @get("/vote", name="vote")
    async def vote_form(
        self, db_session: AsyncSession, viewer: Viewer, assembly: Assembly, topic: Topic
    ) -> Response[Any]:
        participant = await require_participant(db_session, viewer, assembly)
        if await services.has_voted(db_session, topic, participant.id):
            return Redirect(
                f"/assemblies/{assembly.slug}/topics/{topic.slug}/vote/change", status_code=303
            )
        return await _vote_page("ballots/vote.html", db_session, assembly, topic, participant)

    # Reads only: the vote writer stores the ballot in its own batched transaction, so this
    # request must not hold the SQLite write lock while it waits for the batch to commit.
    @post("/vote", name="vote_submit", opt={"write_intent": False})
    async def vote(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        state: State,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
    ) -> Response[Any]:
        participant = await require_participant(db_session, viewer, assembly)
        options = await services.ballot_options(db_session, topic)
        form = await read_form(request)

        async def again(template: str, values: dict[str, Any], errors: dict[str, Any]) -> Template:
            return await _vote_page(
                template,
                db_session,
                assembly,
                topic,
                participant,
                options,
                values=values,
                errors=errors,
                status_code=400,
                read_only=True,
            )

        if is_check(form):
            values, errors = checked_values(form, options)
            return await _vote_page(
                "ballots/vote.html",
                db_session,
                assembly,
                topic,
                participant,
                options,
                values=values,
                errors=errors,
                status_code=400 if errors else 200,
                read_only=True,
                checked=True,
            )
        try:
            ballot = parse_ballot(form, options)
        except BallotFormError as exc:
            return await again("ballots/vote.html", exc.values, exc.errors)
        try:
            await services.check_online_ballot(
                db_session, topic, participant, ballot.content, options
            )
            # End the read transaction (nothing was written) rather than keep it open while
            # waiting; commit, unlike rollback, leaves the loaded objects usable.
            await db_session.commit()
            code = await vote_writer_for(state).cast(topic.id, participant.id, ballot.content)
            ballot_cast(state, assembly.id, topic.id)
        except services.AlreadyVoted as exc:
            return await again("ballots/change.html", ballot.values, exc.errors)
        except InvalidInput as exc:
            return await again("ballots/vote.html", ballot.values, exc.errors)
        return _receipt_page(assembly, topic, code, renewed=False)

    @get("/vote/change", name="vote_change")
    async def change_form(
        self, db_session: AsyncSession, viewer: Viewer, assembly: Assembly, topic: Topic
    ) -> Response[Any]:
        participant = await require_participant(db_session, viewer, assembly)
        if not await services.has_voted(db_session, topic, participant.id):
            return Redirect(
                f"/assemblies/{assembly.slug}/topics/{topic.slug}/vote", status_code=303
            )
        options = await services.ballot_options(db_session, topic)
        values: dict[str, Any] = {}
        # The voter's own ballot, in their own session, before the seal (secret ones too).
        ballot = await services.own_ballot(db_session, topic, participant)
        if ballot is not None:
            values = values_from_content(options, ballot.content)
        return await _vote_page(
            "ballots/change.html", db_session, assembly, topic, participant, options, values=values
        )

    @post("/vote/change", name="vote_change_submit")
    async def change(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: Viewer,
        assembly: Assembly,
        topic: Topic,
    ) -> Response[Any]:
        participant = await require_participant(db_session, viewer, assembly)
        options = await services.ballot_options(db_session, topic)
        form = await read_form(request)
        receipt = form.get("receipt").strip()
        values: dict[str, Any] = {}
        if is_check(form):
            values, errors = checked_values(form, options)
            return await _vote_page(
                "ballots/change.html",
                db_session,
                assembly,
                topic,
                participant,
                options,
                values={**values, "receipt": receipt},
                errors=errors,
                status_code=400 if errors else 200,
                checked=True,
            )
        try:
            ballot = parse_ballot(form, options)
            values = ballot.values
            if topic.ballot_secrecy == "open":
                await services.change_open_ballot(db_session, topic, participant, ballot.content)
            else:
                await services.replace_secret_ballot(
                    db_session, topic, participant, receipt, ballot.content
                )
        except InvalidInput as exc:
            if isinstance(exc, BallotFormError):
                values = exc.values
            return await _vote_page(
                "ballots/change.html",
                db_session,
                assembly,
                topic,
                participant,
                options,
                values={**values, "receipt": receipt},
                errors=exc.errors,
                status_code=exc.status_code,
            )
        return Redirect(
            f"/assemblies/{assembly.slug}/topics/{topic.slug}?voted=changed", status_code=303
        )

    @post("/vote/receipt", name="vote_receipt")
    async def new_receipt(
        self, db_session: AsyncSession, viewer: Viewer, assembly: Assembly, topic: Topic
    ) -> Response[Any]:
        """A new receipt for the signed-in voter's own ballot; the old code stops working."""
        participant = await require_participant(db_session, viewer, assembly)
        try:
            code = await receipts.renew_receipt(db_session, topic, participant)
        except InvalidInput as exc:
            return await _vote_page(
                "ballots/change.html",
                db_session,
                assembly,
                topic,
                participant,
                errors=exc.errors,
                status_code=exc.status_code,
            )
        return _receipt_page(assembly, topic, code, renewed=True)

    @staticmethod
    def _published(topic: Topic) -> None:
        if not topic.ballots_published:
            raise NotFoundException()

    async def _ballots_page(
        self, db: AsyncSession, assembly: Assembly, topic: Topic, **extra: Any
    ) -> Template:
        kind = (await services.ballot_options(db, topic)).kind
        base = f"/assemblies/{assembly.slug}/topics/{topic.slug}"
        return await published_page(db, assembly, topic, kind, base, **extra)

    @get("/ballots", name="ballots_published")
    async def published(
        self, db_session: AsyncSession, assembly: Assembly, topic: Topic
    ) -> Template:
        self._published(topic)
        return await self._ballots_page(db_session, assembly, topic)

    @post("/ballots/check", name="ballots_check")
    async def check(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        assembly: Assembly,
        topic: Topic,
    ) -> Template:
        self._published(topic)
        receipt = (await read_form(request)).get("receipt").strip()
        return await self._ballots_page(
            db_session, assembly, topic, **await checked(db_session, topic, receipt)
        )

    @get("/ballots.json", name="ballots_json", media_type=MediaType.JSON)
    async def published_json(
        self, db_session: AsyncSession, assembly: Assembly, topic: Topic
    ) -> dict[str, Any]:
        """The published ballots in the form ``assembly tally`` reads, for a recount."""
        self._published(topic)
        return await published_ballots_json(db_session, assembly, topic, seats=topic.seats or 1)
